"""Static files under versioned names, cached for a year; pages and assets compressed."""

from sqlmodel import Session

from app.security import csrf_token_for, csrf_token_valid
from tests.conftest import SECRET, MakeClient, soup
from tests.factories import make_user
from tests.html import attr, find_tag


def test_assets_have_versioned_names_and_immutable_cache(make_client: MakeClient) -> None:
    client = make_client()
    page = soup(client.get("/login"))
    css = attr(find_tag(page, "link", rel="stylesheet"), "href")
    script = attr(find_tag(page, "script"), "src")
    assert css.startswith("/static/") and len(css.split("/")[2]) == 12
    for url in (css, script):
        response = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["content-encoding"] == "gzip"
    # The same file under its plain name is only cached briefly; a wrong version is not found.
    assert "immutable" not in client.get("/static/css/app.css").headers["cache-control"]
    assert client.get("/static/000000000000/css/nope.css").status_code == 404


def test_pages_are_compressed(make_client: MakeClient, db: Session) -> None:
    user = make_user(db)
    db.commit()
    response = make_client(user).get("/ideas", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["vary"]


def test_csrf_tokens_change_on_every_page_yet_all_stay_valid() -> None:
    first, second = (
        csrf_token_for(SECRET, "nonce-1234567890ab"),
        csrf_token_for(SECRET, "nonce-1234567890ab"),
    )
    assert first != second
    assert csrf_token_valid(SECRET, "nonce-1234567890ab", first)
    assert csrf_token_valid(SECRET, "nonce-1234567890ab", second)
    assert not csrf_token_valid(SECRET, "another-nonce-12345", first)
    assert not csrf_token_valid(SECRET, "nonce-1234567890ab", first[:-2] + "zz")
    assert not csrf_token_valid("other-secret", "nonce-1234567890ab", first)


def test_head_answers_as_get_without_the_body(make_client: MakeClient, db: Session) -> None:
    client = make_client()
    for url in ("/robots.txt", "/login", "/stats"):
        got, head = client.get(url), client.head(url)
        assert head.status_code == got.status_code == 200, url
        assert head.content == b""
        assert head.headers["content-type"] == got.headers["content-type"]
    # A page that needs a session answers HEAD as it answers GET: sent to sign in.
    user = make_user(db)
    db.commit()
    assert client.head("/ideas", follow_redirects=False).status_code == (
        client.get("/ideas", follow_redirects=False).status_code
    )
    assert make_client(user).head("/ideas").status_code == 200
    # HEAD is no way around CSRF: it reaches no state-changing route, the account stays open.
    signed_in = make_client(user)
    assert signed_in.head("/profile/close").status_code == 303
    assert signed_in.get("/profile").status_code == 200
    # Nor does it start a ProConnect sign-in (a GET that writes its state and counts).
    assert client.head("/auth/proconnect/login").status_code == 405
