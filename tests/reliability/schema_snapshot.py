"""Write the migration state of a release, for the upgrade test (test_upgrade.py).

    .venv/bin/python tests/reliability/schema_snapshot.py COMMIT VERSION \\
        > tests/reliability/data/schema-VERSION.json

For every Veikart app that had migrations at COMMIT: its latest migration there, and the SHA-256
of every migration file (released migrations must never change). Django's own apps get the latest
migrations of the installed Django (the release pinned the same minor version). Run it when a
release is tagged; the upgrade test then starts from that release's schema.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout


def django_leaves() -> dict[str, str]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "veikart.conf.settings")
    import django

    django.setup()
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(connection, ignore_no_migrations=True)
    return {
        app: name
        for app, name in loader.graph.leaf_nodes()
        if app in {"admin", "auth", "contenttypes", "sessions"}
    }


def main() -> None:
    commit, version = sys.argv[1], sys.argv[2]
    full = git("rev-parse", commit).strip()
    when, subject = git("show", "-s", "--format=%ad%x00%s", "--date=short", full).split("\0")
    files = sorted(
        path
        for path in git("ls-tree", "-r", "--name-only", full, "--", "src/veikart").split()
        if "/migrations/0" in path and path.endswith(".py")
    )
    migrations = django_leaves()
    digests = {}
    for path in files:
        app = path.split("/")[2]
        migrations[app] = max(migrations.get(app, ""), Path(path).stem)
        content = subprocess.run(
            ["git", "show", f"{full}:{path}"], cwd=ROOT, capture_output=True, check=True
        ).stdout
        digests[path] = hashlib.sha256(content).hexdigest()
    snapshot = {
        "release": version,
        "commit": full,
        "date": when,
        "subject": subject.strip()[:120],
        "migrations": dict(sorted(migrations.items())),
        "files": digests,
    }
    json.dump(snapshot, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
