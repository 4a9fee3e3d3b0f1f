"""The app as `demineurs serve` runs it, over real keep-alive connections."""

import socket
from pathlib import Path

from fastapi import FastAPI

from app.config import Settings
from tests.conftest import SECRET
from tests.live import served


def _exchange(sock: socket.socket, path: str) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 request on an open connection, and its whole answer."""
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/html\r\n\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"the connection was closed before the answer to {path}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, "the connection was closed in the middle of an answer"
        body += chunk
    return int(lines[0].split()[1]), headers, body


def test_an_unexpected_error_answers_a_french_page_and_the_connection_stays_usable(
    settings: Settings, tmp_path: Path
) -> None:
    env = {
        "DATABASE_URL": settings.database_url,
        "DEMINEURS_SECRET_KEY": SECRET,
        "DEMINEURS_MAIL_DIR": str(tmp_path / "mails"),
        "DEMINEURS_BENCH_ENDPOINTS": "1",
    }
    with served(env, tmp_path) as (url, _):
        port = int(url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            status, headers, body = _exchange(sock, "/_bench/boom")
            assert status == 500
            assert headers.get("connection", "").lower() != "close"
            # The same connection answers the next request.
            assert _exchange(sock, "/healthz")[0] == 200
        page = body.decode()
        assert '<html lang="fr"' in page and "Une erreur inattendue" in page
        assert headers["x-request-id"] in page  # the reference to give, on the page
        assert headers["content-security-policy"]  # a page like the others
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            status, headers, _ = _exchange(sock, "/_bench/boom")
            assert status == 500
            assert _exchange(sock, "/healthz")[0] == 200


def test_an_unexpected_error_under_the_api_answers_json_with_the_request_id(app: FastAPI) -> None:
    from fastapi.testclient import TestClient

    def boom() -> None:
        raise RuntimeError("boom (test)")

    app.add_api_route("/api/v1/_boom", boom)
    with TestClient(app) as client:  # would raise here if the error went past the app
        answer = client.get("/api/v1/_boom", headers={"X-Request-ID": "rapport-500"})
    assert answer.status_code == 500
    assert answer.json() == {
        "detail": "Une erreur inattendue s’est produite. Rien n’a été enregistré.",
        "request_id": "rapport-500",
    }


def _closed_within(sock: socket.socket, seconds: float) -> bool:
    """Whether the server closes this connection within `seconds`."""
    sock.settimeout(seconds)
    try:
        return sock.recv(1024) == b""
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


def test_slow_or_silent_clients_are_cut_off_and_idle_connections_closed(
    settings: Settings, tmp_path: Path
) -> None:
    env = {
        "DATABASE_URL": settings.database_url,
        "DEMINEURS_SECRET_KEY": SECRET,
        "DEMINEURS_MAIL_DIR": str(tmp_path / "mails"),
        "DEMINEURS_HTTP_HEADER_TIMEOUT_SECONDS": "1",
        "DEMINEURS_HTTP_KEEP_ALIVE_SECONDS": "1",
    }
    with served(env, tmp_path) as (url, _):
        port = int(url.rsplit(":", 1)[1])
        # Opens and says nothing.
        with socket.create_connection(("127.0.0.1", port), timeout=5) as silent:
            assert _closed_within(silent, 4)
        # Sends its headers a little at a time, never finishing.
        with socket.create_connection(("127.0.0.1", port), timeout=5) as slow:
            slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            assert _closed_within(slow, 0.5) is False  # still in time
            slow.sendall(b"X-Slow: 1\r\n")
            assert _closed_within(slow, 4)
        # A request answered, then a second head that never ends: cut off too.
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            assert _exchange(sock, "/healthz")[0] == 200
            sock.sendall(b"GET /healthz HTTP/1.1\r\n")
            assert _closed_within(sock, 4)
        # Quick clients are served as before, several requests on one connection.
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            for _ in range(3):
                assert _exchange(sock, "/healthz")[0] == 200
        # A head over the limit is refused.
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            big = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n"
            try:
                sock.sendall(big)
                answer = sock.recv(1024)
            except ConnectionResetError:
                answer = b""
            assert answer == b"" or answer.startswith(b"HTTP/1.1 400")
