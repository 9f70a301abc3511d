"""Run a ``veikart`` command and kill it with SIGKILL at a named point — fault injection.

    python tests/reliability/crashpoint.py POINT N veikart-arguments…

The process sends SIGKILL to itself the N-th time it reaches POINT (1 = the first time): no
``finally`` block, ``atexit`` handler or transaction commit runs after that, exactly as when the
operator or the kernel's out-of-memory killer sends ``kill -9``. Killing from inside makes the
point deterministic; ``test_kill.py`` also kills from outside after random delays. With POINT
``none`` the command runs normally. Nothing here is imported by Veikart itself.

The points (see tests/reliability/test_kill.py for what each must leave behind):

- ``lake-write``: the lake writer has written a batch to its temporary file (no footer yet).
- ``lake-rename``: a snapshot's temporary file is complete and synced, not yet renamed.
- ``lake-renamed``: a snapshot was renamed into place; its manifest row is not yet saved.
- ``compute-started``: the compute run's row is saved; nothing is computed yet.
- ``compute-store``: inside the compute transaction, the old figures of the recomputed periods
  deleted and the new ones inserted, not yet committed.
- ``compute-committed``: the figures and the watermark are committed; the audit event (and, in
  an ingest, the run's end) not yet written.
"""

from __future__ import annotations

import functools
import os
import signal
import sys
from collections.abc import Callable
from typing import Any


def _die() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def _count(nth: int) -> Callable[[], bool]:
    calls = 0

    def reached() -> bool:
        nonlocal calls
        calls += 1
        return calls == nth

    return reached


def install(point: str, nth: int) -> None:
    """Patch the function at ``point`` so that its nth call kills the process."""
    if point == "none":
        return
    reached = _count(nth)

    if point == "lake-write":
        import pyarrow.parquet as pq

        write_batch = pq.ParquetWriter.write_batch

        @functools.wraps(write_batch)
        def write_then_die(self: Any, *args: Any, **kwargs: Any) -> Any:
            result = write_batch(self, *args, **kwargs)
            if reached():
                _die()
            return result

        pq.ParquetWriter.write_batch = write_then_die
    elif point in ("lake-rename", "lake-renamed"):
        replace = os.replace

        def replace_and_maybe_die(source: Any, target: Any, **kwargs: Any) -> None:
            snapshot = str(source).endswith(".tmp")
            if snapshot and point == "lake-rename" and reached():
                _die()
            replace(source, target, **kwargs)
            if snapshot and point == "lake-renamed" and reached():
                _die()

        setattr(os, "replace", replace_and_maybe_die)  # noqa: B010 - the point is to patch it
    elif point.startswith("compute-"):
        import veikart.adoption.services as services

        name = {
            "compute-started": "plan_beside",
            "compute-store": "_store",
            "compute-committed": "record_audit_event",
        }[point]
        original = getattr(services, name)

        @functools.wraps(original)
        def call_then_die(*args: Any, **kwargs: Any) -> Any:
            if point == "compute-started" and reached():
                _die()
            result = original(*args, **kwargs)
            if point != "compute-started" and reached():
                _die()
            return result

        setattr(services, name, call_then_die)
    else:
        raise SystemExit(f"unknown crash point {point!r}")


def main() -> None:
    point, nth, *arguments = sys.argv[1:]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "veikart.conf.settings")
    import django

    django.setup()
    install(point, int(nth))
    from veikart.__main__ import main as veikart

    veikart(["veikart", *arguments])


if __name__ == "__main__":
    main()
