from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from veikart.demo.services import DemoRefused, load_demo


class Command(BaseCommand):
    help = (
        "Load the demo organisation (Moss kommune, merged from Moss and Rygge on 2020-01-01) and "
        "create demo sign-ins. Running it again reuses the data."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = load_demo()
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
        self.stdout.write(
            "Sign-ins (the password is shown only now):\n"
            f"  demo         programme lead   password: {result.password}\n"
            f"  demo-leder   a school's manager (sees only that school)\n"
            f"  demo-ansatt  an employee without other rights\n"
            "  (all three use the same password)"
        )
