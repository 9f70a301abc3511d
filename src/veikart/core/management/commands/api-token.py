from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from veikart.core.models import ApiToken
from veikart.core.services import create_api_token


class Command(BaseCommand):
    help = "Create, list or revoke tokens for /api/v1/. A token acts with its user's access."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, help="create, list or revoke")
        create = sub.add_parser("create", help="Create a token and print it once.")
        create.add_argument("--user", required=True, metavar="USERNAME", help="Whose access.")
        create.add_argument("--name", required=True, help="What the token is for.")
        sub.add_parser("list", help="List tokens (never the tokens themselves).")
        revoke = sub.add_parser("revoke", help="Revoke a token by its prefix.")
        revoke.add_argument("prefix", help="The token's first characters, as listed.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "create":
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user named {options['user']!r}.")
            _record, token = create_api_token(user, options["name"])
            self.stdout.write(token)
            self.stderr.write("Store this token now; Veikart keeps only a digest of it.")
        elif options["action"] == "list":
            for t in ApiToken.objects.select_related("user").order_by("created_at"):
                state = "revoked" if t.revoked_at else "active"
                self.stdout.write(f"{t.prefix}…  {t.user.get_username()}  {t.name}  {state}")
        else:
            count = ApiToken.objects.filter(
                prefix=options["prefix"], revoked_at__isnull=True
            ).update(revoked_at=timezone.now())
            if not count:
                raise CommandError(f"No active token with prefix {options['prefix']!r}.")
            self.stdout.write("Revoked.")
