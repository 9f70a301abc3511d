"""Load test: many people on the adoption dashboards and the API at once, through ``veikart
serve`` (gunicorn) on loopback — requests per second, errors, and p50/p95/p99 per page kind.

Data: the database ``bench/adoption_dashboards.py`` builds (by default 50,000 people × 130 weeks,
2,209 units in four levels, every adoption figure stored by the real ``compute_figures``), in
``--dir`` (SQLite) or on a PostgreSQL server (``--postgres``); built once and reused, shared with
that benchmark. Then:

1. Sign-ins: a programme lead and one unit manager per sector (level 2), each with a session
   (the browser's cookie) and an API token.
2. ``veikart serve --bind 127.0.0.1:PORT --workers N`` in development mode (DEBUG off, the same
   code path as production apart from HTTPS and collected static files, which are not measured).
3. ``--users`` virtual users (threads, each its own keep-alive connection), a share of them
   programme leads and the rest unit managers spread over the sectors, each in a loop: pick a
   page kind by weight, request it, wait a think time (uniform 0.5–1.5 × ``--think`` seconds;
   ``--think 0`` for a closed-loop stress test). Pages: overview, a unit page (a managed unit, or
   any sector or area for the lead), the comparison, leaders, where help is needed; API: one
   metric's figures for a unit subtree, and a dashboard table (oversikt, enhet-utvikling,
   sammenligning, ledere-enheter, hjelp-lavest). Requests in the first ``--warmup`` seconds are
   not counted.

An error is any answer other than 200, or no answer within ``--timeout``. Exit status 1 when
there were errors. The issue's goal: zero errors and p95 under 500 ms with 50 users.

    # the full run (several minutes; reuses the database of bench/adoption_dashboards.py):
    .venv/bin/python bench/load_dashboards.py --people 50000 --weeks 130 --dir /tmp/bench-dash \\
        --users 50 --duration 300
    # on PostgreSQL:
    .venv/bin/python bench/load_dashboards.py --people 50000 --weeks 130 --dir /tmp/bench-dash \\
        --postgres postgres://postgres@127.0.0.1:5432 --users 50 --duration 300
    # a small proof that it works:
    .venv/bin/python bench/load_dashboards.py --people 2000 --weeks 26 --dir /tmp/bench-load \\
        --users 10 --duration 30 --warmup 5
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parent))

import adoption_dashboards as dashboards  # the database builder, shared

ROOT = Path(__file__).resolve().parents[1]
VEIKART = str(Path(sys.executable).with_name("veikart"))
TABLES = ("oversikt", "enhet-utvikling", "sammenligning", "ledere-enheter", "hjelp-lavest")
# Page kinds and how often a user opens each (relative weights).
KINDS: dict[str, int] = {
    "overview": 3,
    "unit": 3,
    "compare": 2,
    "leaders": 1,
    "help": 1,
    "api-figures": 2,
    "api-table": 2,
}


@dataclass(frozen=True)
class User:
    role: str  # "lead" or "manager"
    session: str
    token: str
    units: tuple[int, ...]  # unit pages this user opens: their sector and its areas


@dataclass(frozen=True)
class Sample:
    started: float
    kind: str
    role: str
    status: int | str  # HTTP status, or the transport error's name
    ms: float


# --- preparing: sign-ins -------------------------------------------------------------------------


def prepare() -> dict[str, Any]:
    """In the Django child: a lead and one manager per sector, with sessions and API tokens."""
    from django.contrib.auth.models import User as Account
    from django.test import Client

    from veikart.core.constants import Role
    from veikart.core.services import create_api_token, grant_role
    from veikart.organisations.models import Unit

    sectors = list(Unit.objects.filter(parent__parent__isnull=True, parent__isnull=False))
    if not sectors:
        raise SystemExit("the database has no units below the top; build it first")
    areas = {
        sector.pk: [u.pk for u in Unit.objects.filter(parent=sector).order_by("pk")[:20]]
        for sector in sectors
    }

    def sign_in(name: str) -> tuple[str, str]:
        account, _created = Account.objects.get_or_create(username=name)
        client = Client()
        client.force_login(account)
        _record, token = create_api_token(account, "load test")
        return client.cookies["sessionid"].value, token

    lead = Account.objects.get_or_create(username="load-lead")[0]
    grant_role(lead, Role.PROGRAMME_LEAD)
    users = []
    every_unit = [s.pk for s in sectors] + [a for pks in areas.values() for a in pks]
    session, token = sign_in("load-lead")
    users.append({"role": "lead", "session": session, "token": token, "units": every_unit})
    for sector in sectors:
        name = f"load-manager-{sector.pk}"
        manager = Account.objects.get_or_create(username=name)[0]
        grant_role(manager, Role.UNIT_MANAGER, unit=sector)
        session, token = sign_in(name)
        users.append(
            {
                "role": "manager",
                "session": session,
                "token": token,
                "units": [sector.pk, *areas[sector.pk]],
            }
        )
    return {"users": users}


# --- the server ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def server_env(out: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VEIKART_", "DJANGO_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "veikart.conf.settings",
            "VEIKART_DATA_DIR": str(out),
            "DATABASE_URL": database_url,
            "VEIKART_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "VEIKART_LOG_LEVEL": "WARNING",
            "SECRET_KEY": dashboards.SECRET,
            "VEIKART_PSEUDONYM_KEY": dashboards.PSEUDONYM_KEY,
        }
    )
    return env


def start_server(
    out: Path, database_url: str, workers: int | None, log: Path
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    command = [VEIKART, "serve", "--bind", f"127.0.0.1:{port}", "--timeout", "120"]
    if workers:
        command += ["--workers", str(workers)]
    with open(log, "wb") as sink:
        process = subprocess.Popen(  # noqa: S603 - our own command
            command, env=server_env(out, database_url), stdout=sink, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"veikart serve ended with {process.returncode}; see {log}")
        try:
            if httpx.get(f"{base}/helse/klar", timeout=5).status_code == 200:
                return process, base
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    process.kill()
    raise SystemExit(f"veikart serve was not ready within 120 s; see {log}")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()


# --- the load ------------------------------------------------------------------------------------


def url_for(kind: str, user: User, chance: random.Random) -> str:
    unit = chance.choice(user.units)
    if kind == "overview":
        return "/bruk/"
    if kind == "unit":
        return f"/bruk/enheter/{unit}/"
    if kind == "compare":
        return "/bruk/sammenlign/"
    if kind == "leaders":
        return "/bruk/ledere/"
    if kind == "help":
        return "/bruk/hvor-trengs-hjelp/"
    if kind == "api-figures":
        return (
            "/api/v1/adoption/figures?metric=active_teams&breakdown=unit_subtree"
            f"&unit={unit}&grain=week"
        )
    table = chance.choice(TABLES)
    query = f"?enhet={unit}" if table == "enhet-utvikling" else ""
    return f"/api/v1/adoption/tables/{table}{query}"


def virtual_user(
    base: str,
    user: User,
    seed: int,
    stop: threading.Event,
    think: float,
    timeout: float,
    samples: list[Sample],
    lock: threading.Lock,
) -> None:
    chance = random.Random(seed)
    kinds, weights = list(KINDS), list(KINDS.values())
    with httpx.Client(base_url=base, cookies={"sessionid": user.session}, timeout=timeout) as http:
        time.sleep(chance.uniform(0, max(think, 0.2)))  # users do not all start at once
        while not stop.is_set():
            kind = chance.choices(kinds, weights)[0]
            path = url_for(kind, user, chance)
            headers = {"Authorization": f"Bearer {user.token}"} if kind.startswith("api") else {}
            started = time.monotonic()
            try:
                response = http.get(path, headers=headers)
                status: int | str = response.status_code
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            sample = Sample(started, kind, user.role, status, (time.monotonic() - started) * 1000)
            with lock:
                samples.append(sample)
            if think:
                stop.wait(think * chance.uniform(0.5, 1.5))


def run_load(
    base: str, users: list[User], args: argparse.Namespace
) -> tuple[list[Sample], float, float]:
    """The samples, and when the measured window started and ended (monotonic seconds)."""
    leads = max(1, round(args.users * args.lead_share))
    managers = [u for u in users if u.role == "manager"]
    lead = next(u for u in users if u.role == "lead")
    virtual = [lead] * leads + [managers[i % len(managers)] for i in range(args.users - leads)]
    stop = threading.Event()
    lock = threading.Lock()
    samples: list[Sample] = []
    threads = [
        threading.Thread(
            target=virtual_user,
            args=(base, user, args.seed + n, stop, args.think, args.timeout, samples, lock),
            daemon=True,
        )
        for n, user in enumerate(virtual)
    ]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    measured_from = began + args.warmup
    time.sleep(args.warmup + args.duration)
    measured_to = time.monotonic()
    stop.set()
    for thread in threads:
        thread.join(timeout=args.timeout + 5)
    return samples, measured_from, measured_to


# --- the report ----------------------------------------------------------------------------------


def percentile(ordered: list[float], share: float) -> float:
    """The nearest-rank percentile of sorted values."""
    index = max(0, min(len(ordered) - 1, int(-(-share * len(ordered) // 1)) - 1))
    return ordered[index]


def summarise(samples: list[Sample], start: float, end: float) -> dict[str, Any]:
    counted = [s for s in samples if start <= s.started < end]
    seconds = end - start
    rows: dict[str, dict[str, Any]] = {}
    groups: dict[str, list[Sample]] = defaultdict(list)
    for sample in counted:
        groups[sample.kind].append(sample)
        groups[f"{sample.kind} ({sample.role})"].append(sample)
    groups["all"] = counted
    for name, group in groups.items():
        ordered = sorted(s.ms for s in group)
        errors = [s for s in group if s.status != 200]
        rows[name] = {
            "requests": len(group),
            "per_second": len(group) / seconds,
            "errors": len(errors),
            "p50": statistics.median(ordered) if ordered else None,
            "p95": percentile(ordered, 0.95) if ordered else None,
            "p99": percentile(ordered, 0.99) if ordered else None,
            "max": ordered[-1] if ordered else None,
        }
    failures = Counter(f"{s.kind} {s.status}" for s in counted if s.status != 200)
    return {"seconds": seconds, "kinds": rows, "failures": dict(failures)}


def print_report(summary: dict[str, Any], header: str) -> None:
    print(header)
    print()
    print("| page kind | requests | req/s | errors | p50 | p95 | p99 | max |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    kinds = summary["kinds"]
    order = sorted(
        (k for k in kinds if k != "all"), key=lambda k: (k.split(" ")[0] not in KINDS, k)
    )
    for name in [*order, "all"]:
        row = kinds[name]
        cells = [
            f"**{name}**" if name == "all" else name,
            f"{row['requests']:,}",
            f"{row['per_second']:.1f}",
            str(row["errors"]),
            *(
                f"{row[p]:.0f} ms" if row[p] is not None else ""
                for p in ("p50", "p95", "p99", "max")
            ),
        ]
        print("| " + " | ".join(cells) + " |")
    print()
    if summary["failures"]:
        print("errors: " + ", ".join(f"{k} ×{v}" for k, v in sorted(summary["failures"].items())))
    total = kinds["all"]
    verdict = "met" if total["errors"] == 0 and (total["p95"] or 0) < 500 else "NOT met"
    print(
        f"goal (zero errors, p95 < 500 ms): {verdict} — {total['errors']} errors, "
        f"p95 {total['p95']:.0f} ms, {total['per_second']:.1f} requests/s"
    )


# --- main ----------------------------------------------------------------------------------------


def _machine() -> str:
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--weeks", type=int, default=130)
    parser.add_argument("--dir", type=Path, help="the data (shared with adoption_dashboards.py)")
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL server instead of SQLite")
    parser.add_argument("--users", type=int, default=50, help="virtual users at once")
    parser.add_argument("--duration", type=float, default=300, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=20, help="seconds not counted")
    parser.add_argument("--think", type=float, default=1.0, help="mean think time, seconds")
    parser.add_argument("--lead-share", type=float, default=0.2, help="share of programme leads")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: veikart's)")
    parser.add_argument("--timeout", type=float, default=60, help="seconds before an error")
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--child", choices=("prepare",), help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child == "prepare":
        dashboards._django(args.dir, args.database_url, None)
        print(json.dumps(prepare()))
        return

    with tempfile.TemporaryDirectory(prefix="veikart-load-") as scratch:
        out: Path = args.dir or Path(scratch)
        out.mkdir(parents=True, exist_ok=True)
        database_url = dashboards.prepare_data(out, args.people, args.weeks, args.postgres)
        build_args = argparse.Namespace(
            people=args.people,
            weeks=args.weeks,
            requests=1,
            warmups=1,
            pandas_requests=1,
            memory_mb=None,
            profile=False,
        )
        started = time.perf_counter()
        built = dashboards._child("build", out, database_url, build_args)
        print(
            "database reused"
            if built["cached"]
            else f"database built in {time.perf_counter() - started:.1f} s"
        )
        prepared = subprocess.run(  # noqa: S603 - this script, with our own arguments
            [
                sys.executable,
                __file__,
                *("--child", "prepare", "--dir", str(out), "--database-url", database_url),
            ],
            stdout=subprocess.PIPE,
            text=True,
            check=True,
        )
        users = [
            User(u["role"], u["session"], u["token"], tuple(u["units"]))
            for u in json.loads(prepared.stdout.strip().splitlines()[-1])["users"]
        ]
        log = out / "load-serve.log"
        process, base = start_server(out, database_url, args.workers, log)
        try:
            samples, start, end = run_load(base, users, args)
        finally:
            stop_server(process)
        summary = summarise(samples, start, end)
        database = "PostgreSQL" if args.postgres else "SQLite"
        header = (
            f"{args.people:,} people × {args.weeks} weeks on {database}; {args.users} users "
            f"({max(1, round(args.users * args.lead_share))} programme leads, the rest unit "
            f"managers of {len(users) - 1} sectors), think time {args.think} s, "
            f"{args.duration:.0f} s measured after {args.warmup:.0f} s warm-up; "
            f"workers: {args.workers or 'default'}; {_machine()}; "
            f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, load average "
            + " ".join(f"{x:.1f}" for x in os.getloadavg())
        )
        print_report(summary, header)
        print(f"server log: {log}")
        if args.json:
            args.json.write_text(json.dumps({"header": header, **summary}, indent=2))
        if summary["kinds"]["all"]["errors"]:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
