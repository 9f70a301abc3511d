"""Benchmark: HR import of a large municipality (default 50,000 employees, 2,000 units).

Measures, on a fresh SQLite (or DATABASE_URL) database in a temporary data directory:
  1. preview (read CSV + validate + diff) of the first import,
  2. apply of the first import (everything created),
  3. re-import of the same files (no changes: preview + apply),
  4. a change import (2 % moved, 1 % left, 1 % new),
and, as the floor to compare with, the same rows parsed with the csv module and written with
bulk_create and no validation at all.

    .venv/bin/python bench/hr_import.py --employees 50000
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
import time


def build_files(employees: int, units: int, seed: int) -> tuple[bytes, bytes, list[list[str]]]:
    rng = random.Random(seed)
    unit_rows = ["enhetskode;enhetsnavn;overordnet_enhetskode;enhetstype"]
    sectors = max(1, units // 50)
    for s in range(sectors):
        unit_rows.append(f"S{s};Tjenesteområde {s};;kontor")
    for u in range(units - sectors):
        unit_rows.append(f"U{u};Enhet {u} æøå;S{u % sectors};skole")
    people: list[list[str]] = []
    for n in range(employees):
        unit = f"U{rng.randrange(units - sectors)}"
        people.append(
            [
                str(100000 + n),
                f"Fornavn{n}",
                f"Etternavn{n}",
                f"person{n}@kommune.no",
                "",
                "Rådgiver",
                unit,
                "nei",
                "",
                "",
                "2015-08-01",
                "",
                "",
            ]
        )
    header = (
        "ansattnummer;fornavn;etternavn;brukernavn;epost;stilling;enhetskode;leder;"
        "leders_ansattnummer;tidligere_organisasjon;startdato;sluttdato;tidligere_brukernavn"
    )
    employee_text = "\r\n".join([header, *(";".join(p) for p in people)]) + "\r\n"
    return (
        ("\r\n".join(unit_rows) + "\r\n").encode("utf-8"),
        employee_text.encode("utf-8"),
        people,
    )


def timed(label: str, results: list[tuple[str, float]], fn: object) -> object:
    start = time.perf_counter()
    value = fn()  # type: ignore[operator]
    results.append((label, time.perf_counter() - start))
    print(f"{label:<55} {results[-1][1]:8.2f} s", flush=True)
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--employees", type=int, default=50_000)
    parser.add_argument("--units", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    os.environ.setdefault("VEIKART_DATA_DIR", tempfile.mkdtemp(prefix="veikart-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "veikart.conf.settings")
    import datetime as dt

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from veikart.organisations.models import Employee, Organisation
    from veikart.organisations.services import (
        UploadedFile,
        apply_import,
        preview_import,
        set_up_organisation,
    )

    units_csv, employees_csv, people = build_files(args.employees, args.units, args.seed)
    organisation = set_up_organisation(name="Benchmark kommune")
    files = [UploadedFile("enheter.csv", units_csv), UploadedFile("ansatte.csv", employees_csv)]
    day = dt.date(2020, 1, 1)
    results: list[tuple[str, float]] = []
    print(f"{args.employees} employees, {args.units} units, {connection.vendor}")

    timed("preview, first import", results, lambda: preview_import(organisation, files, as_of=day))
    timed("apply, first import", results, lambda: apply_import(organisation, files, as_of=day))
    plan = timed(
        "re-import of the same files (preview + apply)",
        results,
        lambda: apply_import(organisation, files, as_of=day),
    )
    assert not plan.changes  # type: ignore[attr-defined]

    rng = random.Random(args.seed + 1)
    changed = [list(p) for p in people]
    for p in rng.sample(changed, len(changed) // 50):
        p[6] = f"U{rng.randrange(args.units - args.units // 50)}"
    for index in sorted(rng.sample(range(len(changed)), len(changed) // 100), reverse=True):
        del changed[index]
    for n in range(len(people) // 100):
        changed.append(
            [
                str(900000 + n),
                "Ny",
                f"Ansatt{n}",
                f"ny{n}@kommune.no",
                "",
                "Lærer",
                "U1",
                "nei",
                "",
                "",
                "",
                "",
                "",
            ]
        )
    header = employees_csv.split(b"\r\n", 1)[0].decode()
    text = "\r\n".join([header, *(";".join(p) for p in changed)]) + "\r\n"
    later = [files[0], UploadedFile("ansatte.csv", text.encode())]
    timed(
        "change import: 2 % moved, 1 % left, 1 % new (preview + apply)",
        results,
        lambda: apply_import(organisation, later, as_of=dt.date(2021, 1, 1)),
    )

    # The floor: no validation, no diff, no history — parse and bulk insert.
    import csv
    import io

    other = Organisation.objects.create(name="Floor")

    def floor() -> None:
        rows = list(csv.reader(io.StringIO(employees_csv.decode()), delimiter=";"))[1:]
        Employee.objects.bulk_create(
            [
                Employee(
                    organisation=other,
                    employee_number=r[0],
                    given_name=r[1],
                    family_name=r[2],
                    upn=r[3],
                    pseudonym="",
                )
                for r in rows
            ],
            batch_size=2000,
        )

    timed("floor: csv module + bulk_create, no validation", results, floor)
    print(f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
