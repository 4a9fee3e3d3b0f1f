"""Baseline endpoints for bench/ only (DEMINEURS_BENCH_ENDPOINTS=1): never in a deployment."""

from datetime import UTC, datetime

from fastapi import FastAPI, Request
from starlette.responses import Response

from app.models import Idea, Unit, User
from app.services.board import BoardPage, BoardQuery, BoardRow
from app.templating import render


def _rows() -> list[BoardRow]:
    now = datetime(2026, 11, 1, tzinfo=UTC)
    unit = Unit(id=1, name="Direction des finances")
    author = User(id=1, email="a@b.fr", name="Agente Exemple", unit_id=1)
    return [
        BoardRow(
            idea=Idea(
                id=n,
                author_id=1,
                unit_id=1,
                title=f"Idée de démonstration numéro {n}",
                status="open",
                score=90 - n,
                reviewer_count=4,
                published_at=now,
                last_activity_at=now,
            ),
            ripe=n < 5,
            themes=["accueil", "numérique"],
            open_mines={"major": 1, "minor": 2},
            reviewer_units=["DSI", "RH", "Accueil"],
            author=author,
            unit=unit,
        )
        for n in range(50)
    ]


def install_bench_endpoints(app: FastAPI) -> None:
    rows = _rows()

    @app.get("/_bench/board-template", include_in_schema=False)
    def board_template(request: Request) -> Response:
        """The board's results rendered with 50 rows held in memory: no database at all."""
        page = BoardPage(rows=rows, page=1, pages=1, total=50)
        return render(request, "board/_results.html", {"query": BoardQuery(), "result": page})
