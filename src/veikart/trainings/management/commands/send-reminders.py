from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from veikart.trainings import services
from veikart.trainings.constants import REMINDER_DAYS


class Command(BaseCommand):
    help = (
        "E-mail a reminder to everyone with a seat in a session that starts within --days days. "
        "Safe to run as often as you like (e.g. hourly from cron): nobody is reminded twice "
        "about the same enrolment."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=REMINDER_DAYS,
            help=f"Remind about sessions starting within this many days (default {REMINDER_DAYS}).",
        )
        parser.add_argument(
            "--now",
            metavar="TIME",
            help="Act as if it were this time (ISO 8601 with UTC offset); for tests and catch-up.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        days: int = options["days"]
        if days < 1:
            raise CommandError("--days must be 1 or more.")
        now = timezone.now()
        if options["now"]:
            try:
                now = dt.datetime.fromisoformat(options["now"])
            except ValueError:
                example = "2019-10-01T08:00:00+02:00"
                raise CommandError(
                    f"--now must be a time such as {example} (got {options['now']!r})."
                ) from None
            if timezone.is_naive(now):
                raise CommandError("--now needs its UTC offset, such as +02:00.")
        result = services.send_reminders(now=now, days=days)
        self.stdout.write(f"Reminders sent: {result.sent}.")
        if result.failed:
            raise CommandError(
                f"{result.failed} reminder(s) could not be sent (see the log); they are tried "
                "again on the next run."
            )
