"""The page types every interface check walks: path, who sees it, and how to reach its state."""

from dataclasses import dataclass


@dataclass(frozen=True)
class PageType:
    name: str
    path: str
    who: str | None  # demo e-mail, or None for a visitor
    submit_empty: bool = False  # submit the page's main form empty, to show its errors


AMINA = "amina.diallo@ville-exemple.fr"
KARIM = "karim.benali@ville-exemple.fr"
CLAIRE = "claire.martin@ville-exemple.fr"
JULIEN = "julien.moreau@ville-exemple.fr"

PAGE_TYPES = [
    PageType("sign-in", "/login", None),
    PageType("help", "/aide", None),
    PageType("idea-list", "/ideas", JULIEN),
    PageType("idea-with-mines", "/ideas/1", JULIEN),
    PageType("idea-as-author", "/ideas/5", "lea.petit@ville-exemple.fr"),
    PageType("idea-as-admin", "/ideas/1", CLAIRE),
    PageType("new-idea-with-errors", "/ideas/new", AMINA, submit_empty=True),
    PageType("board", "/board", JULIEN),
    PageType("dashboard", "/dashboard", KARIM),
    PageType("profile", "/profile", JULIEN),
    PageType("public-profile", "/users/3", JULIEN),
    PageType("admin-users", "/admin/users", CLAIRE),
    PageType("admin-scoring", "/admin/scoring", CLAIRE),
    PageType("admin-merge", "/admin/merge", CLAIRE),
    PageType("admin-audit", "/admin/audit", CLAIRE),
    PageType("search-results", "/search?q=donn%C3%A9es+personnelles", JULIEN),
    PageType("notifications", "/notifications", AMINA),
    PageType("notification-preferences", "/notifications/preferences", AMINA),
    PageType("demineurs", "/demineurs", JULIEN),
    PageType("mine-experts", "/mines/20/experts", AMINA),
    PageType("blocker-map", "/ce-qui-bloque", JULIEN),
    PageType("idea-edit", "/ideas/5/edit", "lea.petit@ville-exemple.fr"),
    PageType("not-found", "/ideas/999999", JULIEN),
    # Public pages: the legal ones, the statistics (also as an agent, with the header's menu).
    PageType("legal-notice", "/mentions-legales", None),
    PageType("terms-of-use", "/conditions-utilisation", None),
    PageType("personal-data", "/donnees-personnelles", None),
    PageType("accessibility-declaration", "/accessibilite", None),
    PageType("public-stats", "/stats", None),
    PageType("public-stats-signed-in", "/stats", JULIEN),
]
