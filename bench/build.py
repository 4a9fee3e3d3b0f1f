"""Build a realistic base of a given size through bulk inserts (raw sqlite3, executemany).

Scores, ripeness and reviewer counts are computed with the app's own pure readiness module,
so the base is exactly what the app would have stored; the search index gets the same stemmed
text the app writes.
"""

import json
import random
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import Session, create_engine

from app.config import Settings
from app.db import migrate
from app.models.mine import category_mask
from app.security import hash_password, token_hash
from app.services import blockers, readiness, search

UNITS = [
    "Direction des finances",
    "Direction des ressources humaines",
    "État civil et accueil",
    "Direction des systèmes d'information",
    "Direction générale des services",
    "Voirie",
    "Culture et patrimoine",
    "Éducation et jeunesse",
    "Urbanisme",
    "Action sociale",
    "Commande publique",
    "Communication",
]
THEMES = [
    "accueil",
    "numérique",
    "usagers",
    "rh",
    "finances",
    "simplification",
    "collectif",
    "environnement",
    "mobilité",
    "transparence",
    "inclusion",
    "sécurité",
    "archives",
    "management",
    "télétravail",
    "données",
    "écoles",
    "voirie",
    "culture",
    "achats",
]
SUBJECTS = [
    "les usagers",
    "les agents d'accueil",
    "les familles",
    "les services techniques",
    "les nouveaux arrivants",
    "les élus",
    "les associations",
    "les entreprises locales",
]
PROBLEMS = [
    "attendent trop longtemps au guichet",
    "ressaisissent plusieurs fois les mêmes données",
    "ne trouvent pas la bonne information",
    "remplissent des formulaires papier",
    "perdent des heures en déplacements",
    "reçoivent des courriers incompréhensibles",
    "n'ont aucun suivi de leur demande",
    "doivent relancer par téléphone",
]
FIXES = [
    "un formulaire en ligne unique",
    "un agenda partagé",
    "un tableau de bord public",
    "une borne en libre-service",
    "un binôme entre services",
    "un circuit de validation court",
    "des documents faciles à lire",
    "une permanence le samedi",
]
MINE_TEXTS = {
    "legal": ("Base juridique", "Il faut une base légale claire et une mention d'information."),
    "budget": ("Coût du projet", "Aucune ligne budgétaire ne couvre l'abonnement annuel."),
    "technical": ("Compatibilité logicielle", "Le logiciel métier n'a pas d'interface ouverte."),
    "data_privacy": ("Hébergement des données", "Où seront hébergées les données personnelles ?"),
    "security": ("Authentification", "Sans double authentification un mot de passe volé suffit."),
    "organisation": (
        "Charge de travail",
        "Les agents géreront deux systèmes pendant la transition.",
    ),
    "adoption": ("Usagers sans internet", "Une partie des usagers n'a pas d'accès au numérique."),
    "ethics": ("Équité", "Le dispositif risque de favoriser ceux qui maîtrisent les outils."),
    "other": ("Calendrier", "Le calendrier croise celui des élections."),
}
CATEGORIES = list(MINE_TEXTS)
PASSWORD = "bench-password"


@dataclass
class Base:
    path: Path
    ideas: int
    reader_cookie: str = ""
    writer_tokens: list[str] = field(default_factory=list)
    big_idea: int = 0
    pdf_idea: int = 0  # 100 mines: its fiche produit PDF, served from the cache
    lay_targets: list[int] = field(default_factory=list)
    accept_targets: list[list[int]] = field(default_factory=list)  # per writer token
    search_words: str = "données personnelles hébergement"
    filter_theme: str = "accueil"


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")


def build(path: Path, n_ideas: int, seed: int = 7, log=print) -> Base:  # type: ignore[no-untyped-def]
    """Create the base at `path` (replaced) with about five mines and five déminages per idea."""
    started = time.perf_counter()
    if path.exists():
        path.unlink()
    migrate(Settings(database_url=f"sqlite:///{path}"))
    rng = random.Random(seed)
    now = datetime.now(UTC)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    base = Base(path, n_ideas)

    db.executemany("INSERT INTO unit (id, name) VALUES (?, ?)", list(enumerate(UNITS, 1)))
    n_users = max(60, n_ideas // 20)
    pw = hash_password(PASSWORD)
    users = [
        (
            i,
            f"agent{i}@bench.example",
            f"Agent {i}",
            1 + i % len(UNITS),
            "agent",
            pw,
            1,
            _iso(now - timedelta(days=400)),
            "",
            0,
        )
        for i in range(1, n_users + 1)
    ]
    db.executemany(
        'INSERT INTO "user" (id, email, name, unit_id, role, password_hash, is_active, created_at, '
        "ask_subjects, ask_opt_out) VALUES (?,?,?,?,?,?,?,?,?,?)",
        users,
    )
    unit_of = {u[0]: u[3] for u in users}

    ideas, themes, revisions, events = [], [], [], []
    mines, deminages, index = [], [], []
    mine_id = deminage_id = 0
    params = readiness.ScoringParams()
    writers = list(range(1, 11))
    big_idea = 0
    same_title: dict[str, list[int]] = {}
    # Mines that say the same as an earlier one on another idea (« Ce qui bloque »): about one
    # in ten, as the app links them when they are laid (app/services/blockers.py).
    recent_by_category: dict[str, list[tuple[int, int]]] = {}
    echoes: list[tuple[int, int]] = []
    neighbours: list[tuple[int, int, int]] = []
    # Ideas whose open mines the writers (their authors) will accept during the load.
    accept_ideas = min(4000, n_ideas // 4)
    for idea_id in range(1, n_ideas + 1):
        author = rng.randint(11, n_users)
        special = idea_id == 1  # the idea page measured: 20 mines, 40 déminages
        hundred = idea_id == n_ideas and n_ideas > 1  # the PDF measured: 100 mines
        accept_owner = None
        if 1 < idea_id <= accept_ideas:
            accept_owner = writers[idea_id % len(writers)]
            author = accept_owner
        status = (
            "open"
            if special or hundred or accept_owner
            else rng.choices(["draft", "open", "project", "abandoned"], [5, 70, 10, 15])[0]
        )
        published = now - timedelta(days=rng.randint(5, 700))
        subject, problem, fix = rng.choice(SUBJECTS), rng.choice(PROBLEMS), rng.choice(FIXES)
        title = f"{fix.capitalize()} pour {subject}"
        texts = (
            f"Aujourd'hui {subject} {problem}, ce qui touche des centaines de personnes chaque mois.",
            f"Grâce à {fix}, {subject} obtiennent une réponse rapide et suivie, sans se déplacer.",
            f"On abandonne l'habitude où {subject} {problem}." if rng.random() < 0.8 else "",
            "Un premier site pilote pendant trois mois avec une équipe volontaire."
            if rng.random() < 0.7
            else "",
        )
        idea_themes = rng.sample(THEMES, rng.randint(1, 3))
        n_mines = (
            20
            if special
            else 100
            if hundred
            else (5 if accept_owner else (rng.randint(3, 7) if status != "draft" else 0))
        )
        facts_mines, facts_helpers = [], []
        open_categories = set()
        owner_targets = []
        for k in range(n_mines):
            mine_id += 1
            category = rng.choice(CATEGORIES)
            mtitle, mbody = MINE_TEXTS[category]
            severity = rng.choices(["minor", "major", "blocking"], [40, 45, 15])[0]
            mstatus = (
                "open"
                if accept_owner
                else rng.choices(
                    ["open", "defused", "accepted_risk", "withdrawn"], [35, 45, 10, 10]
                )[0]
            )
            layer = rng.randint(11, n_users)
            while layer == author:
                layer = rng.randint(11, n_users)
            armed = published + timedelta(days=1 + k)
            recent = recent_by_category.setdefault(category, [])
            if recent and rng.random() < 0.1:
                for other, other_idea in rng.sample(recent, min(2, len(recent))):
                    if other_idea != idea_id:
                        echoes += [(mine_id, other), (other, mine_id)]
            recent.append((mine_id, idea_id))
            del recent[:-50]
            mines.append(
                (
                    mine_id,
                    idea_id,
                    layer,
                    category,
                    severity,
                    mtitle,
                    mbody,
                    mstatus,
                    1,
                    _iso(armed),
                    _iso(armed),
                    "",
                    "",
                )
            )
            if mstatus == "open":
                open_categories.add(category)
            facts_mines.append(
                readiness.MineFacts(mtitle, layer, unit_of[layer], severity, mstatus, armed)
            )
            for d in range(2 if special else 1):
                deminage_id += 1
                helper = rng.randint(11, n_users)
                while helper in (layer,):
                    helper = rng.randint(11, n_users)
                accepted = mstatus == "defused" and d == 0
                deminages.append(
                    (
                        deminage_id,
                        mine_id,
                        helper,
                        rng.choice(["expertise", "solution", "contact", "precedent", "resource"]),
                        f"Voici une piste : {rng.choice(FIXES)} a déjà marché ailleurs.",
                        int(accepted),
                        _iso(armed + timedelta(hours=6)),
                        0,
                    )
                )
                facts_helpers.append(readiness.Contributor(helper, unit_of[helper]))
                if accept_owner:
                    owner_targets.append(deminage_id)
            index.append(
                (f"mine:{mine_id}", idea_id, search._doc_text(mtitle), search._doc_text(mbody))
            )
        if accept_owner:
            base_index = writers.index(accept_owner)
            while len(base.accept_targets) <= base_index:
                base.accept_targets.append([])
            base.accept_targets[base_index].extend(owner_targets)
        facts = readiness.IdeaFacts(
            author,
            *texts,
            theme_count=len(idea_themes),
            mines=facts_mines,
            deminage_authors=facts_helpers,
        )
        result = readiness.compute(facts, params, now)
        ripe_from = _iso(result.ripe_from) if result.ripe_from and status == "open" else None
        ideas.append(
            (
                idea_id,
                author,
                unit_of[author],
                title,
                *texts,
                status,
                result.score,
                result.reviewers,
                ripe_from,
                category_mask(open_categories),
                1,
                _iso(published),
                _iso(published),
                None if status == "draft" else _iso(published),
                _iso(published + timedelta(days=n_mines)),
                "",
                "",
                "",
            )
        )
        themes.extend((idea_id, t) for t in idea_themes)  # the triggers copy the idea's values
        revisions.append(
            (
                idea_id,
                1,
                author,
                _iso(published),
                json.dumps({"title": title, "problem": texts[0], "themes": idea_themes}),
            )
        )
        events.append(
            (
                idea_id,
                author,
                "published",
                "Publiée : le déminage commence.",
                result.score,
                _iso(published),
            )
        )
        if status != "draft":
            index.append(
                (
                    f"idea:{idea_id}",
                    idea_id,
                    search._doc_text(title),
                    search._doc_text(*texts, " ".join(idea_themes)),
                )
            )
            if status == "open" and not accept_owner and not special and not hundred:
                base.lay_targets.append(idea_id)
        if special:
            big_idea = idea_id
        if hundred:
            base.pdf_idea = idea_id
        if status != "draft":  # its neighbours: the last three published with the same title
            same = same_title.setdefault(title, [])
            neighbours += [(idea_id, other, rank) for rank, other in enumerate(same[-3:])]
            same.append(idea_id)
    db.executemany(
        "INSERT INTO idea_neighbour (idea_id, neighbour_id, rank) VALUES (?, ?, ?)", neighbours
    )
    db.executemany(
        "INSERT INTO idea (id, author_id, unit_id, title, problem, solution, broken_rule, first_ground, "
        "status, score, reviewer_count, ripe_from, open_categories, revision_count, created_at, "
        "updated_at, published_at, last_activity_at, lesson, sponsor, next_step) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        ideas,
    )
    db.executemany("INSERT INTO idea_theme (idea_id, theme) VALUES (?, ?)", themes)
    db.executemany(
        "INSERT INTO idea_revision (idea_id, number, author_id, created_at, snapshot) "
        "VALUES (?,?,?,?,?)",
        revisions,
    )
    db.executemany(
        "INSERT INTO idea_event (idea_id, actor_id, kind, message, score, created_at) "
        "VALUES (?,?,?,?,?,?)",
        events,
    )
    db.executemany(
        "INSERT INTO mine (id, idea_id, author_id, category, severity, title, body, status, idea_revision, "
        "created_at, armed_at, resolution_reason, reopen_reason) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        mines,
    )
    db.executemany(
        "INSERT INTO deminage (id, mine_id, author_id, kind, body, accepted, created_at, helpful_count) "
        "VALUES (?,?,?,?,?,?,?,?)",
        deminages,
    )
    # Each mine's author signs it with its severity, as `mines.lay_mine` does.
    db.execute(
        "INSERT INTO mine_signature (mine_id, user_id, severity, created_at) "
        "SELECT id, author_id, severity, created_at FROM mine"
    )
    db.executemany("INSERT OR IGNORE INTO mine_echo (mine_id, echo_id) VALUES (?, ?)", echoes)
    db.execute(
        "UPDATE mine SET echo_count = (SELECT COUNT(*) FROM mine_echo WHERE mine_id = mine.id) "
        "WHERE id IN (SELECT mine_id FROM mine_echo)"
    )
    # The kinds of rules broken, spread as an administration's would be.
    kinds = ["", "habit", "internal_procedure", "circular", "decree", "law", "european_law"]
    db.executemany(
        "UPDATE idea SET rule_kind = ? WHERE id % 7 = ?", [(k, i) for i, k in enumerate(kinds)]
    )
    db.execute(
        "INSERT INTO expertise (user_id, category, accepted) SELECT deminage.author_id, mine.category, "
        "COUNT(*) FROM deminage JOIN mine ON mine.id = deminage.mine_id WHERE deminage.accepted "
        "GROUP BY deminage.author_id, mine.category"
    )
    db.executemany(
        "INSERT INTO search_index (rowid, doc, idea_id, title, body) VALUES (?,?,?,?,?)",
        [(search.doc_rowid(row[0]), *row) for row in index],
    )
    # Credentials for the load: one reader session, ten writers with API tokens.
    base.reader_cookie = "bench-reader-session-token-0123456789"
    db.execute(
        "INSERT INTO user_session (token_hash, user_id, created_at, expires_at) VALUES (?,?,?,?)",
        (token_hash(base.reader_cookie), n_users, _iso(now), _iso(now + timedelta(days=1))),
    )
    for writer in writers:
        token = f"dmn_bench_writer_{writer:02d}_token_abcdefghijklmnop"
        base.writer_tokens.append(token)
        db.execute(
            "INSERT INTO api_token (user_id, name, token_hash, prefix, created_at) VALUES (?,?,?,?,?)",
            (writer, "bench", token_hash(token), token[:10], _iso(now)),
        )
    db.commit()
    db.close()
    # The map's tallies, counted as the app counts them.
    engine = create_engine(f"sqlite:///{path}")
    with Session(engine) as session:
        blockers.rebuild(session)
        session.commit()
    engine.dispose()
    db = sqlite3.connect(path)
    db.execute("ANALYZE")
    db.close()
    base.big_idea = big_idea
    rng.shuffle(base.lay_targets)
    log(
        f"base of {n_ideas} ideas, {mine_id} mines, {deminage_id} déminages, {n_users} agents "
        f"built in {time.perf_counter() - started:.1f} s"
    )
    return base
