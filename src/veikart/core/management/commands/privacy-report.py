from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from veikart.core import subject_access
from veikart.core.cli import user_option
from veikart.organisations.models import Employee

FORMATS = ("pdf", "json")


class Command(BaseCommand):
    help = (
        "Subject access (innsyn, GDPR art. 15): write everything Veikart stores about one person "
        "to a PDF or JSON file, as the data-protection officer's page does. The report is written "
        "to the audit log. See docs/privacy/innsyn.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "person",
            help="The employee number, or with --account the user name of an account.",
        )
        parser.add_argument(
            "--account",
            action="store_true",
            help="PERSON is the user name of an account (for people without an employee record).",
        )
        parser.add_argument("--format", choices=FORMATS, default="pdf", help="pdf or json.")
        parser.add_argument("--output", required=True, metavar="FILE", help="Where to write it.")
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help="Who makes the report (the data-protection officer or an administrator), as "
            "the audit log records it. Without it the report is the server operator's.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = user_option(options)
        if actor is not None and not subject_access.can_report_on_anyone(actor):
            raise CommandError(
                f"{actor.get_username()} is not the data-protection officer or an administrator."
            )
        person = self._person(options["person"], account=options["account"])
        report = subject_access.subject_access_report(person)
        if options["format"] == "json":
            content = report.as_json()
        else:
            content = subject_access.report_pdf(report)
        output = Path(options["output"])
        output.write_bytes(content)
        subject_access.record_subject_access(actor, report, options["format"])
        size = f"{len(content):_}".replace("_", " ")
        self.stdout.write(f"Wrote {output} ({size} bytes): the report about {report.name}.")

    @staticmethod
    def _person(identifier: str, *, account: bool) -> subject_access.Subject:
        if account:
            user = User.objects.filter(username=identifier).first()
            if user is None:
                raise CommandError(f"No user account named {identifier!r}.")
            return user
        employee = Employee.objects.filter(employee_number=identifier).first()
        if employee is None:
            raise CommandError(
                f"No employee with number {identifier!r}; for an account without an employee "
                "record, give its user name with --account."
            )
        return employee
