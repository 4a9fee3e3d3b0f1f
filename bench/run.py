"""One command: build a base, serve the real app on it, load it from this process, print a table.

    python -m bench.run --ideas 100000            # the figures of docs/performance.md
    python -m bench.run --ideas 100000 --growth   # plus the board and idea page at 1k, 10k
    python -m bench.run --ideas 300 --duration 1  # the smoke run the test suite does

Every figure is also given as a ratio to two baselines measured in the same run: a bare JSON
endpoint of the same app (/healthz) and the board's template rendered from memory.
"""

import argparse
import asyncio
import itertools
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.build import Base, build

ROOT = Path(__file__).resolve().parent.parent
Operation = tuple[str, int, object]  # name, connections, request maker


@dataclass
class Result:
    name: str
    connections: int
    requests: int
    errors: int
    seconds: float
    latencies: list[float]
    peak_rss_mb: float
    rss_start_mb: float
    # CPU time the server spent per request served during the run (all its threads): the
    # cost of an operation, which the machine's load disturbs less than the throughput.
    cpu_ms: float = 0.0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        exact = getattr(self, "exact", None)
        if exact:
            return float(exact[0] if q <= 0.5 else exact[1])
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def use_wrk() -> bool:
    """wrk when installed (a C client: the figures are the server's), unless told otherwise."""
    return shutil.which("wrk") is not None and os.environ.get("DEMINEURS_BENCH_CLIENT") != "python"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mb(pid: int) -> float:
    """Memory of the server and its children (the workers) of their own, in MB: resident
    anonymous memory and shared memory. The database file's pages, mapped into each worker
    (`app.db.SQLITE_MMAP_BYTES`), are left out: they are the system's file cache, shared by
    every worker, which read() would fill just the same."""
    total = 0
    for candidate in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{candidate}/status").read_text().splitlines():
                if line.startswith(("RssAnon:", "RssShmem:")):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) used so far by the server and its children (the workers)."""
    total = 0
    for candidate in [pid, *_children(pid)]:
        try:
            fields = Path(f"/proc/{candidate}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


class Server:
    """`demineurs serve` on the base, with the settings a deployment would use."""

    def __init__(self, base: Base, workers: int = 1) -> None:
        self.port = free_port()
        self.reader_cookie = base.reader_cookie
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{base.path}",
            "DEMINEURS_ENV": "production",
            "DEMINEURS_SECRET_KEY": "bench-secret-" + "x" * 40,
            "DEMINEURS_BENCH_ENDPOINTS": "1",
            "DEMINEURS_MAIL_BACKEND": "file",
            "DEMINEURS_MAIL_DIR": str(base.path.parent / "mails"),
            # A few tokens stand for thousands of agents: the per-account write limit is off.
            "DEMINEURS_WRITES_PER_MINUTE": "100000000",
        }
        self.log = open(base.path.parent / "server.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "app.cli",
                "serve",
                "--port",
                str(self.port),
                "--workers",
                str(workers),
            ],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        raise RuntimeError(
            "the server did not start: " + (base.path.parent / "server.log").read_text()
        )

    def settle(self, timeout: float = 120) -> None:
        """Wait until the requests of the last operation are all served: the load generator
        stops sending at its deadline, but the server still owes the answers queued before
        (up to 50 of a slow operation), which would weigh on the next operation's figures.
        /healthz queues behind them (the concurrency limit serves in order)."""
        deadline = time.monotonic() + timeout
        # One connection kept open: a new one per probe costs more than the bar on a busy machine.
        with httpx.Client(timeout=timeout) as client:
            while time.monotonic() < deadline:
                began = time.perf_counter()
                client.get(self.url + "/healthz")
                if time.perf_counter() - began < 0.05:
                    return
        raise RuntimeError("the server is still busy with the previous operation")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


async def load(
    server: Server, name: str, make_request, connections: int, duration: float
) -> Result:  # type: ignore[no-untyped-def]
    """Keep `connections` requests in flight for `duration` seconds; latency of each."""
    latencies: list[float] = []
    errors = 0
    stop_at = time.perf_counter() + duration
    peak = start_rss = rss_mb(server.process.pid)

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while time.perf_counter() < stop_at:
            method, path, kwargs = make_request()
            began = time.perf_counter()
            try:
                response = await client.request(method, path, **kwargs)
                ok = response.status_code < 400
            except httpx.HTTPError:
                ok = False
            latencies.append(time.perf_counter() - began)
            if not ok:
                errors += 1

    async def watch_memory() -> None:
        nonlocal peak
        while time.perf_counter() < stop_at:
            peak = max(peak, rss_mb(server.process.pid))
            await asyncio.sleep(0.25)

    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(
        base_url=server.url,
        limits=limits,
        timeout=30,
        cookies={"demineurs_session": server.reader_cookie},
    ) as client:
        began = time.perf_counter()
        await asyncio.gather(watch_memory(), *(worker(client) for _ in range(connections)))
        seconds = time.perf_counter() - began
    return Result(name, connections, len(latencies), errors, seconds, latencies, peak, start_rss)


def _lua_list(values: list[int]) -> str:
    return "{" + ",".join(str(v) for v in values) + "}"


def wrk_script(base: Base, name: str, part: int = 0, parts: int = 1) -> str:
    """The Lua that makes wrk send this operation's requests (writes rotate their targets; each
    run accepts from its own `part` of each list, so that no run meets a déminage already
    accepted by another)."""
    cookie = f'wrk.headers["Cookie"] = "demineurs_session={base.reader_cookie}"\n'
    tokens = "{" + ",".join(f'"{t}"' for t in base.writer_tokens) + "}"
    if name.startswith("lay a mine"):
        return (
            f"local targets = {_lua_list(base.lay_targets or [base.big_idea])}\n"
            f"local tokens = {tokens}\nlocal i = 0\n"
            'local body = \'{"category": "budget", "severity": "minor", "body": "Qui paie la maintenance ?"}\'\n'
            "request = function()\n  i = i + 1\n"
            "  local headers = {}\n"
            '  headers["Authorization"] = "Bearer " .. tokens[(i % #tokens) + 1]\n'
            '  headers["Content-Type"] = "application/json"\n'
            '  return wrk.format("POST", "/api/v1/ideas/" .. targets[(i % #targets) + 1] .. "/mines", headers, body)\n'
            "end\n"
        )
    if name.startswith("accept"):
        slices = [
            t[part * len(t) // parts : (part + 1) * len(t) // parts] for t in base.accept_targets
        ]
        lists = "{" + ",".join(_lua_list(t) for t in slices) + "}"
        return (
            f"local lists = {lists}\nlocal tokens = {tokens}\nlocal i = 0\nlocal next_of = {{}}\n"
            "request = function()\n  i = i + 1\n  local w = (i % #lists) + 1\n"
            "  next_of[w] = (next_of[w] or 0) + 1\n"
            "  local target = lists[w][next_of[w]] or 0\n"
            "  local headers = {}\n"
            '  headers["Authorization"] = "Bearer " .. tokens[w]\n'
            '  return wrk.format("POST", "/api/v1/deminages/" .. target .. "/accept", headers, "")\n'
            "end\n"
        )
    return cookie


def load_with_wrk(
    server: Server,
    base: Base,
    name: str,
    path: str,
    connections: int,
    duration: float,
    part: int = 0,
    parts: int = 1,
) -> Result:
    """Drive the operation with wrk (a C load generator): the Python client would be the limit."""
    script = base.path.parent / "op.lua"
    script.write_text(wrk_script(base, name, part, parts))
    peak = start_rss = rss_mb(server.process.pid)
    process = subprocess.Popen(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(duration))}s",
            "--latency",
            "--timeout",
            "20s",
            "-s",
            str(script),
            server.url + path,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    while process.poll() is None:
        peak = max(peak, rss_mb(server.process.pid))
        time.sleep(0.25)
    out = process.stdout.read() if process.stdout else ""

    def ms(label: str) -> float:
        for line in out.splitlines():
            parts = line.split()
            if parts and parts[0] == label:
                value = parts[1]
                factor = {"us": 0.001, "ms": 1.0, "s": 1000.0}
                for unit in ("us", "ms", "s"):
                    if value.endswith(unit):
                        return float(value[: -len(unit)]) * factor[unit] / 1000
        return 0.0

    requests = int(next((l.split()[0] for l in out.splitlines() if "requests in" in l), "0"))
    seconds = float(
        next(
            (
                l.split("requests in ")[1].split("s,")[0]
                for l in out.splitlines()
                if "requests in" in l
            ),
            "1",
        )
    )
    errors = sum(int(l.split(":")[1]) for l in out.splitlines() if "Non-2xx" in l)
    errors += sum(
        int(n)
        for l in out.splitlines()
        if "Socket errors" in l
        for n in [p.split()[-1] for p in l.split(":", 1)[1].split(",")]
    )
    p50, p99 = ms("50%"), ms("99%")
    # A latency list with the right percentiles, so that both drivers share one Result.
    latencies = [p50] * 98 + [p99] * 2
    result = Result(name, connections, requests, errors, seconds, latencies, peak, start_rss)
    result.exact = (p50 * 1000, p99 * 1000)  # type: ignore[attr-defined]
    return result


def operations(base: Base) -> list[Operation]:
    """(name, connections, request maker) for every operation measured."""
    cookie: dict[str, object] = {}  # the reader's session cookie is set on the client
    lay = itertools.cycle(base.lay_targets or [base.big_idea])
    tokens = itertools.cycle(range(len(base.writer_tokens)))
    pending = [iter(targets) for targets in base.accept_targets]

    def get(path: str):  # type: ignore[no-untyped-def]
        return lambda: ("GET", path, cookie)

    def lay_mine():  # type: ignore[no-untyped-def]
        token = base.writer_tokens[next(tokens)]
        return (
            "POST",
            f"/api/v1/ideas/{next(lay)}/mines",
            {
                "headers": {"Authorization": f"Bearer {token}"},
                "json": {
                    "category": "budget",
                    "severity": "minor",
                    "body": "Qui paie la maintenance ?",
                },
            },
        )

    def accept():  # type: ignore[no-untyped-def]
        i = next(tokens)
        target = next(pending[i], None) if pending else None
        return (
            "POST",
            f"/api/v1/deminages/{target or 0}/accept",
            {"headers": {"Authorization": f"Bearer {base.writer_tokens[i]}"}},
        )

    return [
        ("baseline: bare JSON (/healthz)", 50, lambda: ("GET", "/healthz", {})),
        (
            "baseline: board template, 50 rows, no DB",
            50,
            lambda: ("GET", "/_bench/board-template", {}),
        ),
        ("board, first page by score", 50, get("/board")),
        (
            "board, theme + category filters",
            50,
            get(f"/board?theme={base.filter_theme}&category=legal"),
        ),
        ("idea page, 20 mines and 40 déminages", 50, get(f"/ideas/{base.big_idea}")),
        ("published ideas list", 50, get("/ideas")),
        ("Ce qui bloque", 50, get("/ce-qui-bloque")),
        ("search", 50, get("/search?q=donn%C3%A9es+personnelles")),
        ("lay a mine (write)", 10, lay_mine),
        ("accept a déminage (write)", 10, accept),
    ]


def table(results: list[Result]) -> str:
    ping = results[0].rps or 1
    template = results[1].rps or 1
    lines = [
        "| operation | conns | req/s | p50 ms | p99 ms | p99/p50 | errors | × bare JSON | × template "
        "| CPU ms/req | peak MB |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        p50, p99 = r.pct(0.5), r.pct(0.99)
        lines.append(
            f"| {r.name} | {r.connections} | {r.rps:.0f} | {p50:.1f} | {p99:.1f} | "
            f"{(p99 / p50 if p50 else 0):.1f} | {r.errors} | {r.rps / ping:.2f} | {r.rps / template:.2f} | "
            f"{r.cpu_ms:.2f} | {r.peak_rss_mb:.0f} |"
        )
    return "\n".join(lines)


def _run_once(
    server: Server, base: Base, operation: Operation, duration: float, round_: int, rounds: int
) -> Result:
    """One measured run of an operation (after a short warm-up), the server settled after."""
    name, connections, maker = operation
    if use_wrk():
        path = maker()[1]  # type: ignore[operator,index]
        parts = 2 * rounds  # each run of a write has its own targets
        load_with_wrk(server, base, name, path, connections, 1, 2 * round_ + 1, parts)
        server.settle()
        began = cpu_seconds(server.process.pid)
        result = load_with_wrk(server, base, name, path, connections, duration, 2 * round_, parts)
    else:
        asyncio.run(load(server, name, maker, connections, min(1.0, duration / 4)))
        server.settle()
        began = cpu_seconds(server.process.pid)
        result = asyncio.run(load(server, name, maker, connections, duration))
    used = cpu_seconds(server.process.pid) - began
    result.cpu_ms = used * 1000 / result.requests if result.requests else 0.0
    server.settle()
    return result


def _keep_best(best: dict[Any, Result], key: Any, result: Result) -> None:
    """The faster run is kept; memory spans from the first run to the highest peak."""
    kept = best.get(key)
    if kept is None or result.rps > kept.rps:
        if kept is not None:
            result.rss_start_mb = kept.rss_start_mb
            result.peak_rss_mb = max(result.peak_rss_mb, kept.peak_rss_mb)
            result.cpu_ms = min(result.cpu_ms, kept.cpu_ms)
        best[key] = result
    else:
        kept.peak_rss_mb = max(kept.peak_rss_mb, result.peak_rss_mb)
        kept.cpu_ms = min(kept.cpu_ms, result.cpu_ms)


def measure(
    base: Base, duration: float, only: set[str] | None = None, rounds: int = 2
) -> list[Result]:
    """Every operation, in `rounds` rounds over the whole list; each keeps its best round.

    On a shared machine the speed drifts by tens of percent over minutes, and noise only ever
    slows a run down: rounds spread every operation, baselines included, over the whole run,
    and the best of each is the least disturbed."""
    server = Server(base)
    try:
        best: dict[Any, Result] = {}
        chosen = [
            op
            for op in operations(base)
            if not only or op[0] in only or op[0].startswith("baseline")
        ]
        for round_ in range(rounds):
            for operation in chosen:
                _keep_best(
                    best, operation[0], _run_once(server, base, operation, duration, round_, rounds)
                )
        return [best[name] for name, _, _ in chosen]
    finally:
        server.stop()


GROWTH = ("board, first page by score", "idea page, 20 mines and 40 déminages", "Ce qui bloque")


def measure_growth(
    bases: list[Base], duration: float, rounds: int
) -> dict[tuple[int, str], Result]:
    """The board and the idea page on bases of several sizes, each served by its own worker,
    the sizes taking turns within each round: a drift of the machine's speed then touches
    every size alike instead of the one measured last."""
    servers: list[Server] = []
    try:
        for base in bases:
            servers.append(Server(base))
        best: dict[Any, Result] = {}
        for round_ in range(rounds):
            for base, server in zip(bases, servers, strict=True):
                for operation in operations(base):
                    if operation[0] in GROWTH:
                        result = _run_once(server, base, operation, duration, round_, rounds)
                        _keep_best(best, (base.ideas, operation[0]), result)
        return best
    finally:
        for server in servers:
            server.stop()


def recompute_time(base: Base) -> float:
    """`demineurs recompute-scores` as an operator runs it: by batches, each committed apart,
    with the pauses that let the app's writers in between (docs/decisions.md)."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{base.path}"}
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "app.cli", "recompute-scores"],
        env=env,
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    return time.perf_counter() - began


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run")
    parser.add_argument("--ideas", type=int, default=100_000)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per operation")
    parser.add_argument(
        "--growth", action="store_true", help="also measure at 1,000 and 10,000 ideas"
    )
    parser.add_argument("--dir", type=Path, default=None, help="where to build the base")
    parser.add_argument(
        "--rounds", type=int, default=2, help="rounds over every operation; the best is kept"
    )
    args = parser.parse_args(argv)
    folder = args.dir or Path(tempfile.mkdtemp(prefix="demineurs-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    driver = (
        "wrk" if shutil.which("wrk") else "the bundled async client (install wrk for true figures)"
    )
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"load from {driver}"
    )
    base = build(folder / f"bench-{args.ideas}.sqlite3", args.ideas)
    results = measure(base, args.duration, rounds=args.rounds)
    print()
    print(
        f"## {args.ideas} ideas, 1 worker, SQLite WAL, {args.duration:.0f} s per operation, "
        f"best of {args.rounds} round(s)"
    )
    print(table(results))
    for r in results:
        print(f"memory, {r.name}: {r.rss_start_mb:.0f} MB at start, {r.peak_rss_mb:.0f} MB at peak")
    print(
        f"memory of the worker over the whole run: {results[0].rss_start_mb:.0f} MB at start, "
        f"{max(r.peak_rss_mb for r in results):.0f} MB at most"
    )
    print(
        f"\nrecompute every score: {recompute_time(base):.1f} s for {args.ideas} ideas "
        "(demineurs recompute-scores, by batches of 500 committed apart)"
    )
    if args.growth:
        sizes = sorted({1_000, 10_000, args.ideas})
        bases = [
            base if size == args.ideas else build(folder / f"bench-{size}.sqlite3", size)
            for size in sizes
        ]
        grown = measure_growth(bases, args.duration, args.rounds)
        print(f"\n## growth (the sizes take turns, best of {args.rounds} round(s))")
        print("| ideas | board req/s | board CPU ms/req | idea page req/s | idea page CPU ms/req |")
        print("|---|---|---|---|---|")
        for size in sizes:
            board, page = (grown[(size, name)] for name in GROWTH)
            print(
                f"| {size} | {board.rps:.0f} | {board.cpu_ms:.2f} | {page.rps:.0f} | "
                f"{page.cpu_ms:.2f} |"
            )
        smallest, largest = sizes[0], sizes[-1]
        for name in GROWTH:
            small, large = grown[(smallest, name)], grown[(largest, name)]
            print(
                f"{name}, {smallest} → {largest} ideas: throughput {large.rps / small.rps - 1:+.0%}, "
                f"CPU per request {large.cpu_ms / small.cpu_ms - 1:+.0%}"
            )
    if any(r.errors for r in results):
        sys.exit("errors during the run: see the table")


if __name__ == "__main__":
    main()
