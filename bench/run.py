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
    # The same for the database server's own processes (PostgreSQL), when apart.
    database_cpu_ms: float = 0.0

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


def cpu_seconds(pid: int, reaped: bool = False) -> float:
    """CPU time (user and system) used so far by the server and its children (the workers);
    `reaped` adds that of the children which have exited (PostgreSQL's closed backends)."""
    total = 0
    for candidate in [pid, *_children(pid)]:
        try:
            fields = Path(f"/proc/{candidate}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
        if reaped and candidate == pid:
            total += int(fields[13]) + int(fields[14])  # cutime, cstime
    return total / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


class Server:
    """`demineurs serve` on the base, with the settings a deployment would use."""

    def __init__(self, base: Base, workers: int = 1, database_url: str = "") -> None:
        self.port = free_port()
        self.workers = workers
        self.reader_cookie = base.reader_cookie
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "DATABASE_URL": database_url or f"sqlite:///{base.path}",
            "DEMINEURS_ENV": "production",
            "DEMINEURS_SECRET_KEY": "bench-secret-" + "x" * 40,
            "DEMINEURS_BENCH_ENDPOINTS": "1",
            "DEMINEURS_MAIL_BACKEND": "file",
            "DEMINEURS_MAIL_DIR": str(base.path.parent / "mails"),
            "DEMINEURS_PDF_CACHE_DIR": str(base.path.parent / "pdf-cache"),
            # A few tokens stand for thousands of agents: the per-account write limit is off.
            "DEMINEURS_WRITES_PER_MINUTE": "100000000",
        }
        self.log_path = base.path.parent / f"server-{self.port}.log"
        self.log = open(self.log_path, "w")  # noqa: SIM115
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
        raise RuntimeError("the server did not start: " + self.log_path.read_text())

    def settle(self, timeout: float = 120) -> None:
        """Wait until the requests of the last operation are all served: the load generator
        stops sending at its deadline, but the server still owes the answers queued before
        (up to 50 of a slow operation), which would weigh on the next operation's figures.
        /healthz queues behind them (the concurrency limit serves in order)."""
        deadline = time.monotonic() + timeout
        # One client for the whole wait: making one (its TLS context) takes tens of
        # milliseconds on a busy machine, which read as a queue that is not there.
        with httpx.Client(timeout=timeout) as client:
            while time.monotonic() < deadline:
                began = time.perf_counter()
                client.get(self.url + "/healthz")
                if time.perf_counter() - began < 0.05 and self._idle():
                    return
        raise RuntimeError("the server is still busy with the previous operation")

    def _idle(self) -> bool:
        """Its processes all but idle for a tenth of a second: with several workers, /healthz
        may be answered by one while another still serves the queue it was handed."""
        if self.workers == 1:
            return True
        before = cpu_seconds(self.process.pid)
        time.sleep(0.1)
        return cpu_seconds(self.process.pid) - before < 0.02

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def _memory(servers: list["Server"]) -> float:
    return sum(rss_mb(server.process.pid) for server in servers)


def _shares(connections: int, servers: list["Server"]) -> list[int]:
    """Each server's share of the connections (the first ones take the remainder)."""
    n = len(servers)
    return [connections // n + (1 if i < connections % n else 0) for i in range(n)]


async def load(
    servers: list["Server"], name: str, make_request, connections: int, duration: float
) -> Result:  # type: ignore[no-untyped-def]
    """Keep `connections` requests in flight for `duration` seconds; latency of each. With
    several servers (instances), each holds its share of the connections: round robin."""
    latencies: list[float] = []
    errors = 0
    stop_at = time.perf_counter() + duration
    peak = start_rss = _memory(servers)

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
            peak = max(peak, _memory(servers))
            await asyncio.sleep(0.25)

    clients = [
        httpx.AsyncClient(
            base_url=server.url,
            limits=httpx.Limits(max_connections=share, max_keepalive_connections=share),
            timeout=30,
            cookies={"demineurs_session": server.reader_cookie},
        )
        for server, share in zip(servers, _shares(connections, servers), strict=True)
    ]
    try:
        began = time.perf_counter()
        await asyncio.gather(
            watch_memory(), *(worker(clients[i % len(clients)]) for i in range(connections))
        )
        seconds = time.perf_counter() - began
    finally:
        for client in clients:
            await client.aclose()
    return Result(name, connections, len(latencies), errors, seconds, latencies, peak, start_rss)


def _lua_list(values: list[int]) -> str:
    return "{" + ",".join(str(v) for v in values) + "}"


ONE_IDEA = "lay a mine, all on one idea (write)"
PDF = "fiche produit PDF, 100 mines, from its cache"


def _lay_targets(base: Base, name: str) -> list[int]:
    """The ideas a run lays its mines on: all the open ones in turn, or the first only."""
    targets = base.lay_targets or [base.big_idea]
    return targets[:1] if name == ONE_IDEA else targets


def wrk_script(base: Base, name: str, part: int = 0, parts: int = 1) -> str:
    """The Lua that makes wrk send this operation's requests (writes rotate their targets; each
    run accepts from its own `part` of each list, so that no run meets a déminage already
    accepted by another)."""
    cookie = f'wrk.headers["Cookie"] = "demineurs_session={base.reader_cookie}"\n'
    tokens = "{" + ",".join(f'"{t}"' for t in base.writer_tokens) + "}"
    if name.startswith("lay a mine"):
        return (
            f"local targets = {_lua_list(_lay_targets(base, name))}\n"
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


def _parse_wrk(out: str) -> tuple[int, int, float, float, float]:
    """(requests, errors, seconds, p50 s, p99 s) from wrk's report."""

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
    return requests, errors, seconds, ms("50%"), ms("99%")


def load_with_wrk(
    servers: list["Server"],
    base: Base,
    name: str,
    path: str,
    connections: int,
    duration: float,
    part: int = 0,
    parts: int = 1,
) -> Result:
    """Drive the operation with wrk (a C load generator): the Python client would be the limit.
    With several servers (instances), one wrk each with its share of the connections, at once;
    the requests add up, and the latencies given are the slowest instance's."""
    processes = []
    for k, (server, share) in enumerate(zip(servers, _shares(connections, servers), strict=True)):
        script = base.path.parent / f"op-{k}.lua"
        # Each instance's wrk accepts from its own part of the targets.
        script.write_text(wrk_script(base, name, part * len(servers) + k, parts * len(servers)))
        processes.append(
            subprocess.Popen(
                [
                    "wrk",
                    "-t1",
                    f"-c{max(1, share)}",
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
        )
    peak = start_rss = _memory(servers)
    while any(process.poll() is None for process in processes):
        peak = max(peak, _memory(servers))
        time.sleep(0.25)
    reports = [_parse_wrk(process.stdout.read() if process.stdout else "") for process in processes]
    requests = sum(r[0] for r in reports)
    errors = sum(r[1] for r in reports)
    seconds = max(r[2] for r in reports)
    p50, p99 = max(r[3] for r in reports), max(r[4] for r in reports)
    # A latency list with the right percentiles, so that both drivers share one Result.
    latencies = [p50] * 98 + [p99] * 2
    result = Result(name, connections, requests, errors, seconds, latencies, peak, start_rss)
    result.exact = (p50 * 1000, p99 * 1000)  # type: ignore[attr-defined]
    return result


def operations(base: Base, shared: bool = False) -> list[Operation]:
    """(name, connections, request maker) for every operation measured; `shared` (several
    processes serve the base) adds the writes of every process on one idea."""
    cookie: dict[str, object] = {}  # the reader's session cookie is set on the client
    tokens = itertools.cycle(range(len(base.writer_tokens)))
    pending = [iter(targets) for targets in base.accept_targets]

    def get(path: str):  # type: ignore[no-untyped-def]
        return lambda: ("GET", path, cookie)

    def lay_mine(name: str):  # type: ignore[no-untyped-def]
        lay = itertools.cycle(_lay_targets(base, name))
        return lambda: (
            "POST",
            f"/api/v1/ideas/{next(lay)}/mines",
            {
                "headers": {"Authorization": f"Bearer {base.writer_tokens[next(tokens)]}"},
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
        (PDF, 50, get(f"/ideas/{base.pdf_idea}/fiche.pdf")),
        ("published ideas list", 50, get("/ideas")),
        ("Ce qui bloque", 50, get("/ce-qui-bloque")),
        ("search", 50, get("/search?q=donn%C3%A9es+personnelles")),
        ("lay a mine (write)", 10, lay_mine("lay a mine (write)")),
        ("accept a déminage (write)", 10, accept),
        *([(ONE_IDEA, 10, lay_mine(ONE_IDEA))] if shared else []),
    ]


def table(results: list[Result], database: bool = False) -> str:
    """The run's table; `database` adds the CPU of the database server's own processes."""
    ping = results[0].rps or 1
    template = results[1].rps or 1
    lines = [
        "| operation | conns | req/s | p50 ms | p99 ms | p99/p50 | errors | × bare JSON | × template "
        "| CPU ms/req | peak MB |" + (" DB CPU ms/req |" if database else ""),
        "|---|---|---|---|---|---|---|---|---|---|---|" + ("---|" if database else ""),
    ]
    for r in results:
        p50, p99 = r.pct(0.5), r.pct(0.99)
        lines.append(
            f"| {r.name} | {r.connections} | {r.rps:.0f} | {p50:.1f} | {p99:.1f} | "
            f"{(p99 / p50 if p50 else 0):.1f} | {r.errors} | {r.rps / ping:.2f} | {r.rps / template:.2f} | "
            f"{r.cpu_ms:.2f} | {r.peak_rss_mb:.0f} |"
            + (f" {r.database_cpu_ms:.2f} |" if database else "")
        )
    return "\n".join(lines)


@dataclass
class Target:
    """What a run loads: one server or several (instances), and the database server if apart."""

    servers: list[Server]
    database_pid: int = 0  # PostgreSQL's postmaster: its backends are its children

    def cpu(self) -> float:
        return sum(cpu_seconds(server.process.pid) for server in self.servers)

    def database_cpu(self) -> float:
        return cpu_seconds(self.database_pid, reaped=True) if self.database_pid else 0.0

    def settle(self) -> None:
        for server in self.servers:
            server.settle()

    def stop(self) -> None:
        for server in self.servers:
            server.stop()


def _run_once(
    target: Target, base: Base, operation: Operation, duration: float, round_: int, rounds: int
) -> Result:
    """One measured run of an operation (after a short warm-up), the servers settled after."""
    name, connections, maker = operation
    servers = target.servers
    if name == PDF:
        # The one PDF made (the cache's miss) is not what is measured: its hits are.
        response = httpx.get(
            servers[0].url + maker()[1],  # type: ignore[operator,index]
            cookies={"demineurs_session": base.reader_cookie},
            timeout=300,
        )
        response.raise_for_status()
    if use_wrk():
        path = maker()[1]  # type: ignore[operator,index]
        parts = 2 * rounds  # each run of a write has its own targets
        load_with_wrk(servers, base, name, path, connections, 1, 2 * round_ + 1, parts)
        target.settle()
        began, db_began = target.cpu(), target.database_cpu()
        result = load_with_wrk(servers, base, name, path, connections, duration, 2 * round_, parts)
    else:
        asyncio.run(load(servers, name, maker, connections, min(1.0, duration / 4)))
        target.settle()
        began, db_began = target.cpu(), target.database_cpu()
        result = asyncio.run(load(servers, name, maker, connections, duration))
    used, db_used = target.cpu() - began, target.database_cpu() - db_began
    if result.requests:
        result.cpu_ms = used * 1000 / result.requests
        result.database_cpu_ms = db_used * 1000 / result.requests
    target.settle()
    return result


def _keep_best(best: dict[Any, Result], key: Any, result: Result) -> None:
    """The faster run is kept; memory spans from the first run to the highest peak."""
    kept = best.get(key)
    if kept is None or result.rps > kept.rps:
        if kept is not None:
            result.rss_start_mb = kept.rss_start_mb
            result.peak_rss_mb = max(result.peak_rss_mb, kept.peak_rss_mb)
            result.cpu_ms = min(result.cpu_ms, kept.cpu_ms)
            result.database_cpu_ms = min(result.database_cpu_ms, kept.database_cpu_ms)
        best[key] = result
    else:
        kept.peak_rss_mb = max(kept.peak_rss_mb, result.peak_rss_mb)
        kept.cpu_ms = min(kept.cpu_ms, result.cpu_ms)
        kept.database_cpu_ms = min(kept.database_cpu_ms, result.database_cpu_ms)


def measure(
    target: Target, base: Base, duration: float, only: set[str] | None = None, rounds: int = 2
) -> list[Result]:
    """Every operation, in `rounds` rounds over the whole list; each keeps its best round.

    On a shared machine the speed drifts by tens of percent over minutes, and noise only ever
    slows a run down: rounds spread every operation, baselines included, over the whole run,
    and the best of each is the least disturbed."""
    shared = len(target.servers) > 1 or target.servers[0].workers > 1
    names = {op[0] for op in operations(base, shared)}
    if only and only - names:
        raise SystemExit(f"no such operation: {', '.join(sorted(only - names))}")
    best: dict[Any, Result] = {}
    chosen = [
        op
        for op in operations(base, shared)
        if not only or op[0] in only or op[0].startswith("baseline")
    ]
    for round_ in range(rounds):
        for operation in chosen:
            _keep_best(
                best, operation[0], _run_once(target, base, operation, duration, round_, rounds)
            )
    return [best[name] for name, _, _ in chosen]


COMPARED = ("board, first page by score", "idea page, 20 mines and 40 déminages")


def measure_scaling(
    base: Base, targets: list[tuple[str, Target]], duration: float, rounds: int
) -> dict[tuple[str, str], Result]:
    """The board and the idea page served by each target (1 worker, then 2…), the targets
    taking turns within each round, as the growth's sizes do."""
    best: dict[Any, Result] = {}
    for round_ in range(rounds):
        for label, target in targets:
            for operation in operations(base):
                if operation[0] in COMPARED:
                    result = _run_once(target, base, operation, duration, round_, rounds)
                    _keep_best(best, (label, operation[0]), result)
    return best


def scaling_table(labels: list[str], best: dict[tuple[str, str], Result]) -> str:
    first, last = labels[0], labels[-1]
    lines = [
        f"| operation | {first} req/s | {last} req/s | × | {first} CPU ms/req | "
        f"{last} CPU ms/req |",
        "|---|---|---|---|---|---|",
    ]
    for name in COMPARED:
        one, many = best[(first, name)], best[(last, name)]
        lines.append(
            f"| {name} | {one.rps:.0f} | {many.rps:.0f} | {many.rps / (one.rps or 1):.2f} | "
            f"{one.cpu_ms:.2f} | {many.cpu_ms:.2f} |"
        )
    return "\n".join(lines)


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
                        result = _run_once(
                            Target([server]), base, operation, duration, round_, rounds
                        )
                        _keep_best(best, (base.ideas, operation[0]), result)
        return best
    finally:
        for server in servers:
            server.stop()


def recompute_time(database_url: str) -> float:
    """`demineurs recompute-scores` as an operator runs it: by batches, each committed apart,
    with the pauses that let the app's writers in between (docs/decisions.md)."""
    env = {**os.environ, "DATABASE_URL": database_url}
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "app.cli", "recompute-scores"],
        env=env,
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    return time.perf_counter() - began


def _workers(n: int) -> str:
    return f"{n} worker" + ("s" if n > 1 else "")


def _servers(n: int, what: str) -> str:
    return f"{n} {what}" + ("s" if n > 1 else "")


def _workers(n: int) -> str:
    return _servers(n, "worker")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run")
    parser.add_argument("--ideas", type=int, default=100_000)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per operation")
    parser.add_argument(
        "--growth", action="store_true", help="also measure at 1,000 and 10,000 ideas (SQLite)"
    )
    parser.add_argument("--dir", type=Path, default=None, help="where to build the base")
    parser.add_argument(
        "--rounds", type=int, default=2, help="rounds over every operation; the best is kept"
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="worker processes of each `demineurs serve`"
    )
    parser.add_argument(
        "--database",
        choices=["sqlite", "postgresql"],
        default="sqlite",
        help="postgresql: the tests' local server (tests/postgres.py), the base copied into it",
    )
    parser.add_argument(
        "--instances",
        type=int,
        default=1,
        help="`demineurs serve` processes on their own ports (PostgreSQL), the load shared",
    )
    parser.add_argument(
        "--compare-workers",
        action="store_true",
        help="only the board and the idea page, served by 1 worker then by --workers (2 if 1)",
    )
    parser.add_argument(
        "--compare-instances",
        action="store_true",
        help="only the board and the idea page, served by 1 instance then by --instances "
        "(2 if 1), on PostgreSQL",
    )
    parser.add_argument(
        "--only",
        action="append",
        default=None,
        metavar="OPERATION",
        help="measure this operation (repeatable; the baselines always are)",
    )
    parser.add_argument(
        "--no-recompute", action="store_true", help="skip timing `demineurs recompute-scores`"
    )
    args = parser.parse_args(argv)
    if args.instances > 1 and args.database == "sqlite":
        parser.error("--instances needs --database postgresql (SQLite: --workers)")
    if args.compare_instances and args.database == "sqlite":
        parser.error("--compare-instances needs --database postgresql")
    folder = args.dir or Path(tempfile.mkdtemp(prefix="demineurs-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    driver = "wrk" if use_wrk() else "the bundled async client (install wrk for true figures)"
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"load from {driver}"
    )
    base = build(folder / f"bench-{args.ideas}.sqlite3", args.ideas)
    if args.database == "sqlite":
        database_url = f"sqlite:///{base.path}"
        if args.compare_workers:
            n = max(2, args.workers)
            compare(
                base,
                [(_workers(k), lambda k=k: Target([Server(base, k)])) for k in (1, n)],
                "SQLite WAL",
                args,
            )
        else:
            run_table(
                base,
                lambda: Target([Server(base, args.workers)]),
                f"{_workers(args.workers)}, SQLite WAL",
                "CPU ms/req: every process of the server",
                database_url,
                args,
            )
        return
    from bench import postgres  # needs the PostgreSQL binaries (tests/postgres.py)

    with postgres.started() as server:
        database_url = postgres.load(server, base.path)
        pid = postgres.postmaster_pid(server)

        def instances(n: int) -> Target:
            started: list[Server] = []
            try:
                for _ in range(n):
                    started.append(Server(base, args.workers, database_url))
            except BaseException:
                Target(started).stop()  # those already up do not outlive the run
                raise
            return Target(started, pid)

        engine = f"PostgreSQL {postgres.version(server)}, {_workers(args.workers)} each"
        if args.compare_instances:
            n = max(2, args.instances)
            compare(
                base,
                [(_servers(k, "instance"), lambda k=k: instances(k)) for k in (1, n)],
                engine,
                args,
            )
        else:
            run_table(
                base,
                lambda: instances(args.instances),
                f"{_servers(args.instances, 'instance')}, {engine}",
                "CPU ms/req: every process of every instance; DB CPU ms/req: PostgreSQL's "
                "own processes (its backends included), apart",
                database_url,
                args,
                database=True,
            )


def run_table(  # type: ignore[no-untyped-def]
    base: Base, serve, setup: str, cpu_note: str, database_url: str, args, database=False
) -> None:
    """The whole list of operations on the target `serve` starts, its table, the recompute
    time, and (SQLite) the growth."""
    target = serve()
    try:
        only = set(args.only) if args.only else None
        results = measure(target, base, args.duration, only, rounds=args.rounds)
    finally:
        target.stop()
    print()
    print(
        f"## {args.ideas} ideas, {setup}, {args.duration:.0f} s per operation, best of "
        f"{args.rounds} round(s); {cpu_note}"
    )
    print(table(results, database))
    by_name = {r.name: r for r in results}
    page, pdf = by_name.get("idea page, 20 mines and 40 déminages"), by_name.get(PDF)
    if page and pdf:
        print(
            f"fiche produit PDF from its cache: {pdf.cpu_ms:.2f} ms of CPU per request, "
            f"{pdf.cpu_ms / (page.cpu_ms or 1):.2f} × the idea page's"
        )
    for r in results:
        print(f"memory, {r.name}: {r.rss_start_mb:.0f} MB at start, {r.peak_rss_mb:.0f} MB at peak")
    print(
        f"memory of the servers over the whole run: {results[0].rss_start_mb:.0f} MB at start, "
        f"{max(r.peak_rss_mb for r in results):.0f} MB at most"
    )
    if not args.no_recompute:
        print(
            f"\nrecompute every score: {recompute_time(database_url):.1f} s for {args.ideas} "
            "ideas (demineurs recompute-scores, by batches of 500 committed apart)"
        )
    if args.growth and not database:
        folder = base.path.parent
        sizes = sorted({1_000, 10_000, args.ideas})
        bases = [
            base if size == args.ideas else build(folder / f"bench-{size}.sqlite3", size)
            for size in sizes
        ]
        grown = measure_growth(bases, args.duration, args.rounds)
        print(f"\n## growth (1 worker, the sizes take turns, best of {args.rounds} round(s))")
        print("| ideas | board req/s | board CPU ms/req | idea page req/s | idea page CPU ms/req |")
        print("|---|---|---|---|---|")
        for size in sizes:
            board, page = (grown[(size, name)] for name in GROWTH[:2])
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


def compare(base: Base, configs: list, engine: str, args) -> None:  # type: ignore[no-untyped-def,type-arg]
    """The board and the idea page served by each (label, target maker) of `configs`, taking
    turns within each round: the ratio of the last to the first."""
    targets: list[tuple[str, Target]] = []
    try:
        for label, serve in configs:
            targets.append((label, serve()))
        best = measure_scaling(base, targets, args.duration, args.rounds)
    finally:
        for _, target in targets:
            target.stop()
    labels = [label for label, _ in configs]
    print(
        f"\n## {base.ideas} ideas, {engine}, {' then '.join(labels)} taking turns, "
        f"{args.duration:.0f} s per operation, best of {args.rounds} round(s)"
    )
    print(scaling_table(labels, best))
    if any(r.errors for r in best.values()):
        sys.exit("errors during the run: see the table")


if __name__ == "__main__":
    main()
