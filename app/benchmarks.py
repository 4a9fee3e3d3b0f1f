"""Baseline endpoints for bench/ only (DEMINEURS_BENCH_ENDPOINTS=1): never in a deployment."""

import time
from datetime import UTC, datetime

from fastapi import FastAPI, Request
from starlette.responses import Response

from app.models import Idea
from app.models.mine import CATEGORY_LABELS
from app.services import board
from app.services.board import BoardQuery, BoardRow
from app.services.pages import Page, Person, UnitName
from app.templating import render


def _rows() -> list[BoardRow]:
    now = datetime(2026, 11, 1, tzinfo=UTC)
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
            author=Person(1, "Agente Exemple", 1, True),
            unit=UnitName(1, "Direction des finances"),
        )
        for n in range(50)
    ]


def install_bench_endpoints(app: FastAPI) -> None:
    rows = _rows()

    @app.get("/_bench/slow", include_in_schema=False)
    def slow() -> dict[str, str]:
        """A request that takes a second: the graceful shutdown test stops the server during it."""
        time.sleep(1)
        return {"status": "done"}

    @app.get("/_bench/boom", include_in_schema=False)
    def boom() -> dict[str, str]:
        """An unexpected error: the keep-alive test checks the connection survives it."""
        raise RuntimeError("boom (test)")

    themes = [f"thème {n}" for n in range(20)]
    units = [UnitName(n, f"Direction numéro {n}") for n in range(1, 41)]

    @app.get("/_bench/board-template", include_in_schema=False)
    def board_template(request: Request) -> Response:
        """The whole board page rendered with 50 rows held in memory: no database at all."""
        context = {
            "query": BoardQuery(),
            "result": Page(items=rows, page=1, pages=3, total=150),
            "themes": themes,
            "units": units,
            "categories": CATEGORY_LABELS,
            "sorts": board.SORTS,
            "statuses": board.STATUSES,
        }
        return render(request, "board/board.html", context)
