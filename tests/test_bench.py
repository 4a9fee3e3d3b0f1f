"""The benchmark harness works end to end on a tiny base (figures live in docs/performance.md)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.postgres import BIN_DIRS

ROOT = Path(__file__).resolve().parent.parent
BASELINES = ["baseline: bare JSON (/healthz)", "baseline: board template, 50 rows, no DB"]
OPERATIONS = [
    *BASELINES,
    "board, first page by score",
    "board, theme + category filters",
    "idea page, 20 mines and 40 déminages",
    "fiche produit PDF, 100 mines, from its cache",
    "published ideas list",
    "Ce qui bloque",
    "search",
    "lay a mine (write)",
    "accept a déminage (write)",
]
ONE_IDEA = "lay a mine, all on one idea (write)"


def bench(tmp_path: Path, *args: str) -> str:
    """`python -m bench.run` on a tiny base, one round; its output (it must succeed)."""
    run = subprocess.run(
        [sys.executable, "-m", "bench.run", "--ideas", "300", "--rounds", "1"]
        + ["--dir", str(tmp_path), *args],
        capture_output=True,
        text=True,
        timeout=400,
        cwd=ROOT,
        # The bundled client counts every request, even in a run of a second or two.
        env={**os.environ, "DEMINEURS_BENCH_CLIENT": "python"},
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    return run.stdout


def table_rows(output: str) -> list[list[str]]:
    """The cells of each row of the printed table, its header first."""
    return [
        [c.strip() for c in line.split("|")[1:-1]]
        for line in output.splitlines()
        if line.startswith("| ") and "---" not in line
    ]


def assert_measured(rows: list[list[str]], cpu_column: int = 9) -> None:
    for cells in rows[1:]:
        assert float(cells[2]) > 0, cells  # some requests went through
        assert cells[6] == "0", cells  # and none failed
        assert float(cells[cpu_column]) > 0, cells  # and the servers' CPU per request is given


def test_bench_smoke_run_prints_every_operation_without_errors(tmp_path: Path) -> None:
    output = bench(tmp_path, "--duration", "2")
    rows = table_rows(output)
    assert [cells[0] for cells in rows[1:]] == OPERATIONS
    assert_measured(rows)
    assert "1 worker, SQLite WAL" in output
    assert "fiche produit PDF from its cache:" in output  # its CPU set against the idea page's
    assert "recompute every score" in output


def test_bench_with_two_workers_adds_the_writes_of_both_on_one_idea(tmp_path: Path) -> None:
    output = bench(
        tmp_path,
        *("--duration", "1", "--workers", "2", "--no-recompute"),
        *("--only", "board, first page by score", "--only", ONE_IDEA),
    )
    rows = table_rows(output)
    assert [cells[0] for cells in rows[1:]] == [*BASELINES, "board, first page by score", ONE_IDEA]
    assert_measured(rows)
    assert "2 workers, SQLite WAL" in output


def test_bench_compares_one_worker_with_two_on_the_board_and_the_idea_page(
    tmp_path: Path,
) -> None:
    output = bench(tmp_path, "--duration", "1", "--compare-workers")
    rows = table_rows(output)
    assert rows[0] == [
        "operation",
        "1 worker req/s",
        "2 workers req/s",
        "×",
        "1 worker CPU ms/req",
        "2 workers CPU ms/req",
    ]
    assert [cells[0] for cells in rows[1:]] == [
        "board, first page by score",
        "idea page, 20 mines and 40 déminages",
    ]
    for cells in rows[1:]:
        assert all(float(value) > 0 for value in cells[1:]), cells


@pytest.mark.skipif(
    not BIN_DIRS and shutil.which("initdb") is None, reason="PostgreSQL is not installed"
)
def test_bench_on_postgresql_with_two_instances(tmp_path: Path) -> None:
    output = bench(
        tmp_path,
        *("--duration", "1", "--database", "postgresql", "--instances", "2", "--no-recompute"),
        *("--only", "idea page, 20 mines and 40 déminages", "--only", ONE_IDEA),
    )
    rows = table_rows(output)
    assert rows[0][-1] == "DB CPU ms/req"  # PostgreSQL's own processes, apart
    assert [cells[0] for cells in rows[1:]] == [
        *BASELINES,
        "idea page, 20 mines and 40 déminages",
        ONE_IDEA,
    ]
    assert_measured(rows)
    # The idea page and the writes reach the database: its processes' CPU is counted.
    assert all(float(cells[-1]) > 0 for cells in rows[3:]), rows
    assert "2 instances, PostgreSQL" in output
