"""The command line: every Veikart command explains itself."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command, get_commands, load_command_class

VEIKART_APPS = (
    "veikart.core",
    "veikart.organisations",
    "veikart.demo",
    "veikart.usage",
    "veikart.trainings",
    "veikart.roadmaps",
)
OWN_COMMANDS = sorted(name for name, app in get_commands().items() if app in VEIKART_APPS)


def test_the_expected_commands_exist() -> None:
    assert {
        "demo",
        "import-org",
        "org-setup",
        "grant-role",
        "api-token",
        "list-units",
        "list-employees",
    } <= set(OWN_COMMANDS)


@pytest.mark.parametrize("name", OWN_COMMANDS)
def test_every_command_has_help_text(name: str) -> None:
    command = load_command_class(get_commands()[name], name)
    assert len(command.help) > 20
    parser = command.create_parser("veikart", name)
    for action in parser._actions:
        if action.dest not in {
            "help",
            "version",
            "verbosity",
            "settings",
            "pythonpath",
            "traceback",
            "no_color",
            "force_color",
            "skip_checks",
        }:
            assert action.help, f"{name}: option {action.dest} has no help"


def test_grant_role_gives_a_unit_manager_a_subtree(org: object) -> None:
    from django.contrib.auth.models import User

    from veikart.core.access import get_access

    User.objects.create_user("liv")
    out = io.StringIO()
    call_command("grant-role", "liv", "unit_manager", "--unit", "200", stdout=out)
    assert "Helse og omsorg" in out.getvalue()
    access = get_access(User.objects.get(username="liv"))
    assert access.unit_paths and not access.organisation_wide
