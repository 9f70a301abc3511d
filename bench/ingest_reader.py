"""Benchmark: reading a Microsoft 365 report with Veikart's reader against plain conversions.

Generates a Teams user-activity user-detail CSV (default 1,000,000 rows, today's 33-column header
in real-file order, UTF-8 with BOM, CRLF) and times, each in its own process so that peak memory
is its own:

  veikart  read_report (detect, convert, validate) consuming every batch, written to Parquet with
           pyarrow.parquet.ParquetWriter — like with like: the others write Parquet too;
  duckdb   COPY (SELECT * FROM read_csv(...)) TO 'x.parquet' — type inference, no validation;
  pandas   read_csv → to_parquet — type inference, no validation.

Prints rows per second, the ratio to the faster alternative (the goal is ≥ 0.7) and peak RSS.
A second, four times smaller file shows that the reader's peak memory does not grow with the size
of the file.

    .venv/bin/python bench/ingest_reader.py --rows 1000000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from veikart.demo.simulator.reports import TEAMS_USER_DETAIL, header

AS_OF = dt.date(2023, 1, 1)
METHODS = ("veikart", "duckdb", "pandas")
Run = dict[str, float]


def generate(path: Path, rows: int, seed: int = 1, chunk: int = 500_000) -> None:
    """A real-looking Teams user-detail file, built column-wise with numpy and Arrow."""
    rng = np.random.default_rng(seed)
    head = header(TEAMS_USER_DETAIL, AS_OF)
    with open(path, "wb") as sink:
        sink.write(b"\xef\xbb\xbf" + ",".join(head).encode() + b"\r\n")
        for first in range(0, rows, chunk):
            table = _rows(rng, head, first, min(chunk, rows - first))
            options = pacsv.WriteOptions(include_header=False, quoting_style="none", eol="\r\n")
            pacsv.write_csv(table, sink, options)


def _rows(rng: np.random.Generator, head: tuple[str, ...], first: int, rows: int) -> pa.Table:
    ids = pa.array(np.arange(first, first + rows)).cast(pa.string())
    days = (np.datetime64(AS_OF) - rng.integers(0, 60, rows)).astype("datetime64[D]")
    last = pa.array(days).cast(pa.string())
    last = pc.if_else(pa.array(rng.random(rows) < 0.2), "", last)
    deleted = rng.random(rows) < 0.01
    products = np.array(
        ["MICROSOFT 365 E3", "MICROSOFT 365 F3+POWER BI PRO", "OFFICE 365 E1", ""], dtype=object
    )
    counts = rng.poisson(3, rows)

    def text(values: np.ndarray) -> pa.Array:
        return pa.array(values).cast(pa.string())

    columns: dict[str, pa.Array] = {
        "Report Refresh Date": pa.array([AS_OF.isoformat()] * rows),
        "Report Period": pa.array(["7"] * rows),
        "User Principal Name": pc.binary_join_element_wise("user", ids, "@kommune.no", ""),
        "User Id": pc.binary_join_element_wise(
            "6f1d0c2e-0000-4000-8000-", pc.utf8_lpad(ids, 12, "0"), ""
        ),
        "Last Activity Date": last,
        "Is Deleted": text(np.where(deleted, "True", "False")),
        "Deleted Date": text(np.where(deleted, "2022-12-20", "")),
        "Assigned Products": pa.array(products[rng.integers(0, 4, rows)]),
        "Has Other Action": text(np.where(rng.random(rows) < 0.05, "Yes", "No")),
        "Is Licensed": text(np.where(deleted, "No", "Yes")),
        "Tenant Display Name": pa.array(["Moss kommune"] * rows),
        "Shared Channel Tenant Display Names": pa.array([""] * rows),
    }
    for label in ("Audio", "Video", "Screen Share"):
        seconds = rng.integers(0, 20_000, rows) * (rng.random(rows) < 0.6)
        iso = pc.binary_join_element_wise(
            "PT",
            text(seconds // 3600),
            "H",
            text(seconds % 3600 // 60),
            "M",
            text(seconds % 60),
            "S",
            "",
        )
        columns[f"{label} Duration"] = pc.if_else(pa.array(seconds == 0), "PT0S", iso)
        columns[f"{label} Duration In Seconds"] = text(seconds)
    for name in head:
        if name not in columns:
            columns[name] = text(np.roll(counts, len(columns)))
    return pa.table([columns[h] for h in head], names=list(head))


def run_one(method: str, source: Path, target: Path) -> Run:
    """One timed conversion in this process; returns seconds, rows and peak RSS.

    Imports happen before the clock starts: only the conversion is timed.
    """
    import duckdb
    import pandas as pd
    import pyarrow.parquet as pq

    from veikart.usage.formats import REPORTS
    from veikart.usage.reader import read_report

    base = _rss_mib()
    start = time.perf_counter()
    if method == "veikart":
        result = read_report(source, today=AS_OF)
        rows = 0
        with pq.ParquetWriter(target, REPORTS[result.info.report].schema) as writer:
            for batch in result.batches:
                writer.write_batch(batch)
                rows += batch.num_rows
    elif method == "duckdb":
        # Our own temporary paths, not user input.
        sql = f"COPY (SELECT * FROM read_csv('{source}')) TO '{target}' (FORMAT parquet)"  # noqa: S608
        duckdb.sql(sql)
        rows = pq.read_metadata(target).num_rows
    elif method == "pandas":
        frame = pd.read_csv(source)
        frame.to_parquet(target)
        rows = len(frame)
    else:
        raise ValueError(method)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rows": rows, "peak_mib": _peak_mib(), "base_mib": base}


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _rss_mib() -> float:
    """Resident memory now (after imports), to tell the conversion's share of the peak."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def measure(methods: tuple[str, ...], source: Path, scratch: Path, repeat: int) -> dict[str, Run]:
    """The best of ``repeat`` runs per method, each in a fresh process; the methods take turns,
    so that a busy moment on the machine does not fall on one of them only."""
    best: dict[str, Run] = {}
    for _ in range(repeat):
        for method in methods:
            out = subprocess.run(  # noqa: S603 (this script, our arguments)
                [
                    sys.executable,
                    __file__,
                    "--one",
                    method,
                    str(source),
                    str(scratch / "x.parquet"),
                ],
                check=True,
                capture_output=True,
                text=True,
            )
            result: Run = json.loads(out.stdout)
            if method not in best or result["seconds"] < best[method]["seconds"]:
                best[method] = result
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5, help="best of this many runs")
    parser.add_argument(
        "--memory-factor", type=int, default=4, help="size of the memory check file (× rows)"
    )
    parser.add_argument("--one", nargs=3, metavar=("METHOD", "SOURCE", "TARGET"))
    args = parser.parse_args()
    if args.one:
        method, source, target = args.one
        print(json.dumps(run_one(method, Path(source), Path(target))))
        return

    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, pyarrow {pa.__version__}, "
        f"duckdb {_version('duckdb')}, pandas {_version('pandas')}"
    )
    with tempfile.TemporaryDirectory(prefix="veikart-bench-") as tmp:
        scratch = Path(tmp)
        source = scratch / "teams.csv"
        start = time.perf_counter()
        generate(source, args.rows)
        size = source.stat().st_size / 2**20
        print(
            f"generated {args.rows:,} rows ({size:.0f} MiB) in {time.perf_counter() - start:.1f} s"
        )
        results = measure(METHODS, source, scratch, args.repeat)
        source.unlink()
        big_rows = args.rows * args.memory_factor
        generate(source, big_rows, seed=2)
        big = measure(("veikart",), source, scratch, 1)["veikart"]

    faster = max(r["rows"] / r["seconds"] for m, r in results.items() if m != "veikart")
    print(
        f"\n{'method':<10}{'rows':>12}{'seconds':>9}{'rows/s':>12}{'ratio':>7}{'peak RSS':>10}"
        f"{'(imports)':>11}"
    )
    for method, r in [*results.items(), ("veikart", big)]:
        rate = r["rows"] / r["seconds"]
        print(
            f"{method:<10}{r['rows']:>12,.0f}{r['seconds']:>9.2f}{rate:>12,.0f}"
            f"{rate / faster:>7.2f}{r['peak_mib']:>6.0f} MiB{r['base_mib']:>7.0f} MiB"
        )
    ratio = results["veikart"]["rows"] / results["veikart"]["seconds"] / faster
    print(f"\nveikart / faster alternative: {ratio:.2f} (goal ≥ 0.70)")
    grew = big["peak_mib"] - results["veikart"]["peak_mib"]
    print(f"veikart peak RSS at {args.memory_factor}× the rows: {grew:+.0f} MiB")


def _version(module: str) -> str:
    from importlib.metadata import version

    return version(module)


if __name__ == "__main__":
    main()
