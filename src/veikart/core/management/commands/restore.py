from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from veikart.core.backup import BackupError, BackupInfo, restore_backup, verify_backup
from veikart.core.cli import user_option
from veikart.core.management.commands.backup import megabytes, progress_bars


class Command(BaseCommand):
    help = (
        "Restore a backup made by `veikart backup`, replacing the database and the usage lake. "
        "The whole file is checked first: a damaged or incomplete backup, one of another "
        "organisation, database schema or pseudonymisation key is refused and nothing is "
        "changed. Stop the web server and scheduled jobs while it runs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="The backup file (.tar).")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Replace the data this installation holds (refused without it, unless the "
            "database is empty).",
        )
        parser.add_argument(
            "--force-other-organisation",
            action="store_true",
            help="Restore even though the backup is of another organisation than this "
            "installation holds.",
        )
        parser.add_argument(
            "--accept-other-key",
            action="store_true",
            help="Restore even though the backup was made with another pseudonymisation key "
            "(only when that key is lost; see docs/operator/backup.md).",
        )
        parser.add_argument(
            "--verify-only",
            action="store_true",
            help="Check the backup and say what it holds; change nothing.",
        )
        parser.add_argument("--user", metavar="USERNAME", help="Record the restore as this user's.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        try:
            with progress_bars(self) as progress:
                if options["verify_only"]:
                    self._describe(verify_backup(path, progress))
                    self.stdout.write("The backup is complete and undamaged. Nothing was changed.")
                    return
                result = restore_backup(
                    path,
                    replace=options["replace"],
                    other_organisation=options["force_other_organisation"],
                    other_key=options["accept_other_key"],
                    actor=user_option(options),
                    progress=progress,
                )
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self._describe(result.info)
        self.stdout.write(
            f"Restored {result.rows:_} database rows and {result.lake_files:_} lake files in "
            f"{result.seconds:.1f} s. Everyone must sign in again; restart the web server.".replace(
                "_", " "
            )
        )

    def _describe(self, info: BackupInfo) -> None:
        organisation = info.organisation.name if info.organisation else "no organisation"
        self.stdout.write(
            f"Backup of {organisation}, made {timezone.localtime(info.created_at):%Y-%m-%d %H:%M} "
            f"by Veikart {info.veikart_version} ({info.vendor}): {info.total_rows:_} database "
            f"rows, {info.lake_files:_} lake files ({megabytes(info.lake_bytes)}).".replace(
                "_", " "
            )
        )
