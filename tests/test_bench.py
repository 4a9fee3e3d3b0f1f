"""The benchmark harness works end to end on a tiny base (figures live in docs/performance.md)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OPERATIONS = [
    "baseline: bare JSON (/healthz)",
    "baseline: board template, 50 rows, no DB",
    "board, first page by score",
    "board, theme + category filters",
    "idea page, 20 mines and 40 déminages",
    "published ideas list",
    "Ce qui bloque",
    "search",
    "lay a mine (write)",
    "accept a déminage (write)",
]


def test_bench_smoke_run_prints_every_operation_without_errors(tmp_path: Path) -> None:
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.run",
            "--ideas",
            "300",
            "--duration",
            "2",
            "--rounds",
            "1",
            "--dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        # The bundled client counts every request, even in a two-second run.
        env={**os.environ, "DEMINEURS_BENCH_CLIENT": "python"},
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    rows = [line for line in run.stdout.splitlines() if line.startswith("| ") and "---" not in line]
    assert [row.split("|")[1].strip() for row in rows[1:]] == OPERATIONS
    for row in rows[1:]:
        cells = [c.strip() for c in row.split("|")[1:-1]]
        assert float(cells[2]) > 0, row  # some requests went through
        assert cells[6] == "0", row  # and none failed
        assert float(cells[9]) > 0, row  # and the server's CPU per request is reported
    assert "recompute every score" in run.stdout
