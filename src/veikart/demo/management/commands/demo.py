from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from veikart.core.cli import date_option
from veikart.demo.services import DEFAULT_EMPLOYEES, DemoRefused, load_demo


class Command(BaseCommand):
    help = (
        "Load the demo organisation (Moss kommune, merged from Moss and Rygge on 2020-01-01) and "
        "create demo sign-ins; running it again reuses the data. "
        "`veikart demo generate` writes a simulated organisation's files instead."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--employees",
            type=int,
            default=DEFAULT_EMPLOYEES,
            help="Size of the demo organisation (people employed on 2019-01-01).",
        )
        parser.add_argument(
            "--without-usage",
            action="store_true",
            help="Load only the organisation, not the simulated Microsoft 365 usage.",
        )
        sub = parser.add_subparsers(
            dest="action", help="generate: write the simulated files without loading them."
        )
        generate = sub.add_parser(
            "generate",
            help="Simulate the merger and write its HR export, Microsoft 365 usage reports and "
            "truth.json (the planted effects).",
        )
        generate.add_argument(
            "--employees", type=int, default=3500, help="People employed on --start."
        )
        generate.add_argument("--seed", type=int, default=2019, help="Same seed, same files.")
        generate.add_argument("--start", default="2019-01-01", help="First day simulated.")
        generate.add_argument("--end", default="2021-06-30", help="Last day simulated.")
        generate.add_argument(
            "--granularity",
            choices=["weekly", "daily"],
            default="weekly",
            help="weekly: D7 period files; daily: date-form files.",
        )
        generate.add_argument("--out", required=True, help="Directory to write to.")
        generate.add_argument(
            "--conceal-names",
            action="store_true",
            help="Write reports as a tenant with concealed user names does.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("action") == "generate":
            self._generate(options)
            return
        try:
            if options["employees"] < 200:
                raise CommandError("--employees must be at least 200.")
            result = load_demo(employees=options["employees"], usage=not options["without_usage"])
        except DemoRefused as exc:
            raise CommandError(str(exc)) from None
        org = result.organisation
        if not result.created:
            self.stdout.write(
                f"The demo organisation ({org.name}) is already loaded. Sign in as demo, "
                "demo-leder or demo-ansatt with the password printed when it was created "
                "(forgotten? run: veikart changepassword demo)."
            )
            return
        self.stdout.write(self.style.SUCCESS(f"Demo organisation loaded: {org.name}."))
        if result.ingested is not None:
            self.stdout.write(
                f"Usage data: {result.ingested.stored} report files ingested "
                f"({result.ingested.first_day} – {result.ingested.last_day})."
            )
            if result.evaluation_problem is None:
                self.stdout.write("Impact of the Teams course evaluated (see /effekt/).")
            else:
                self.stdout.write(f"Impact not evaluated: {result.evaluation_problem}")
        self.stdout.write(
            "Sign-ins (the password is shown only now):\n"
            f"  demo         programme lead   password: {result.password}\n"
            "  demo-leder   a school's manager (sees only that school)\n"
            "  demo-ansatt  an employee without other rights\n"
            "  (all three use the same password)"
        )

    def _generate(self, options: dict[str, Any]) -> None:
        from veikart.demo.simulator.config import SimulationConfig
        from veikart.demo.simulator.generate import generate

        start = date_option(options["start"], "--start")
        end = date_option(options["end"], "--end")
        if end <= start:
            raise CommandError("--end must be after --start.")
        if options["employees"] < 200:
            raise CommandError("--employees must be at least 200.")
        config = SimulationConfig(
            employees=options["employees"],
            seed=options["seed"],
            start=start,
            end=end,
            granularity=options["granularity"],
            conceal_names=options["conceal_names"],
        )
        try:
            result = generate(
                config, Path(options["out"]), progress=lambda step: self.stdout.write(f"… {step}")
            )
        except ValueError as exc:  # the simulator explains what it cannot simulate
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {result.people} people × {result.periods} periods to {result.out}: "
                f"{len(result.hr_files)} HR files, {len(result.usage_files)} usage files, "
                f"{len(result.programme_files)} training, system and roadmap files, "
                f"{result.truth_file.name}."
            )
        )
