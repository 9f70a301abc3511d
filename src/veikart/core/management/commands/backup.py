from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from veikart.core.backup import BackupError, Progress, create_backup, key_fingerprint
from veikart.core.cli import user_option

PHASES = {
    "database": "Database (rows)",
    "lake": "Usage lake (bytes)",
    "verify": "Checking the backup (bytes)",
}


@contextlib.contextmanager
def progress_bars(command: BaseCommand) -> Iterator[Progress]:
    """One rich progress bar per phase of a backup or restore (only on a terminal)."""
    from rich.progress import BarColumn, Progress, TaskID, TaskProgressColumn, TextColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        transient=True,
        disable=not command.stdout.isatty(),
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def report(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(PHASES.get(phase, phase), total=total or None)
            bar.update(tasks[phase], completed=done, total=total or None)

        yield report


def megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


class Command(BaseCommand):
    help = (
        "Write a backup of the database and the usage lake to one file: a consistent snapshot "
        "with a manifest and checksums, safe to take while Veikart runs. The pseudonymisation "
        "key is not in it: keep that separately. See docs/operator/backup.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            metavar="PATH",
            help="A folder to write the backup into (named after the time), or the backup's "
            "file name ending in .tar. Default: the backups folder of the data directory.",
        )
        parser.add_argument("--user", metavar="USERNAME", help="Record the backup as this user's.")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = user_option(options)
        destination = Path(options["output"]) if options["output"] else None
        try:
            with progress_bars(self) as progress:
                result = create_backup(destination, actor=actor, progress=progress)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Backup written: {result.path} ({megabytes(result.size)}): "
            f"{result.rows:_} database rows, {result.lake_files:_} lake files "
            f"({megabytes(result.lake_bytes)}), {result.seconds:.1f} s.".replace("_", " ")
        )
        self.stdout.write(
            "Keep a copy away from this machine. The pseudonymisation key is not in the backup: "
            f"keep it separately (its fingerprint is {key_fingerprint()})."
        )
