"""The ``veikart`` command: Django's management entry point with Veikart's settings preset."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "veikart.conf.settings")
    from django.core.management import execute_from_command_line

    from veikart.conf.env import ConfigError

    args = list(sys.argv if argv is None else argv)
    args[0] = "veikart"
    try:
        execute_from_command_line(args)
    except ConfigError as exc:
        sys.stderr.write(f"veikart: configuration error: {exc}\n")
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
