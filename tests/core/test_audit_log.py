"""The audit log viewer (/personvern/logg/) and the retention page, for the data-protection officer.

Dina (DPO) and an administrator read the log; everyone else — Kari the programme lead included —
gets 403. Filters narrow it by local day, person, kind of event, event and target; the CSV export
holds exactly the filtered events and is itself logged. Nobody can change or delete an event.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zoneinfo
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.conftest import Org
from veikart.core.audit import FAMILIES, family_condition, family_of
from veikart.core.models import AuditEvent, RoleGrant
from veikart.core.services import record_audit_event

OSLO = zoneinfo.ZoneInfo("Europe/Oslo")
LOG = "/personvern/logg/"
EXPORT = "/personvern/logg/eksport.csv"
RETENTION = "/personvern/oppbevaring/"

# Every action name the apps write today, and the kind of event the DPO should find it under.
KNOWN_ACTIONS = {
    "adoption.view": "views",
    "adoption.api-table": "views",
    "competence.results.view": "views",
    "competence.change.view": "views",
    "agreements.acknowledgements.view": "views",
    "agreements.acknowledgements.api": "views",
    "adoption.export": "exports",
    "systems.export": "exports",
    "impact.report": "exports",
    "core.backup": "exports",
    "privacy.audit_log.export": "exports",
    "organisation.import": "imports",
    "systems.import": "imports",
    "training.import": "imports",
    "usage.ingest": "imports",
    "core.restore": "imports",
    "usage.purge": "purges",
    "signin.oidc": "signins",
    "signin.oidc.refused": "signins",
    "role.grant": "settings",
    "role.revoke": "settings",
    "api_token.create": "settings",
    "user.rights.change": "settings",
    "adoption.compute": "compute",
    "impact.evaluate": "compute",
    "privacy.subject_access": "subject_access",
    "training.course.create": "changes",
    "training.session.cancel": "changes",
    "training.enrolment.prerequisite_override": "changes",
    "roadmap.milestone.delete": "changes",
    "systems.decision.save": "changes",
    "agreements.publish": "changes",
    "competence.survey.create": "changes",
}


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=OSLO)


def event(
    actor: User | None, action: str, when: dt.datetime, target: str = "", **detail: Any
) -> AuditEvent:
    """An audit event, back-dated to ``when`` (the log stamps events with the time of writing)."""
    record = record_audit_event(actor, action, target=target, detail=detail or None)
    AuditEvent.objects.filter(pk=record.pk).update(at=when)
    record.refresh_from_db()
    return record


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin(org: Org) -> User:
    return User.objects.create_superuser("admin", password="x" * 20)


@pytest.fixture
def log(org: Org) -> dict[str, AuditEvent]:
    """A week of events: exports, views, an import, a purge, refusals, a role change."""
    AuditEvent.objects.all().delete()  # the fixture's own role grants: not part of the story
    day = dt.date(2020, 3, 9)
    return {
        "export": event(org.kari, "adoption.export", at(day, 9), "adoption:units", rows=12),
        "view": event(org.ola, "adoption.view", at(day, 10), "unit", unit=110),
        "import": event(org.ida, "organisation.import", at(day, 11), "import-run:1"),
        "purge": event(None, "usage.purge", at(day + dt.timedelta(days=1), 4), "ingest-run:9"),
        "refused": event(
            None, "signin.oidc.refused", at(day + dt.timedelta(days=2), 8), "ukjent@moss.no"
        ),
        "role": event(
            None, "role.grant", at(day + dt.timedelta(days=3), 23, 30), f"user:{org.nils.pk}"
        ),
        "systems": event(
            org.kari, "systems.export", at(day + dt.timedelta(days=4), 0, 15), "systems:matrix"
        ),
        "course": event(org.per, "training.course.create", at(day + dt.timedelta(days=5), 12)),
    }


def listed(client: Client, query: str = "") -> list[str]:
    """The targets of the events the log page lists for ``query`` (its first page)."""
    response = client.get(LOG + query)
    assert response.status_code == 200
    return [row[0].target for row in response.context["rows"]]


# --- who may read it ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["kari", "ola", "nils", "ida", "per"])
def test_it_refuses_everyone_but_the_dpo_and_administrators(
    org: Org, log: dict[str, AuditEvent], name: str
) -> None:
    client = signed_in(getattr(org, name))
    for url in (LOG, EXPORT, RETENTION, "/personvern/innsyn/"):
        assert client.get(url).status_code == 403, url
    assert not AuditEvent.objects.filter(action="privacy.audit_log.export").exists()


def test_it_requires_sign_in(org: Org) -> None:
    response = Client().get(LOG)
    assert response.status_code == 302 and "/logg-inn/" in response["Location"]


@pytest.mark.parametrize("name", ["dina", "admin"])
def test_the_dpo_and_administrators_read_every_event(
    org: Org, admin: User, log: dict[str, AuditEvent], name: str
) -> None:
    reader = admin if name == "admin" else org.dina
    response = signed_in(reader).get(LOG)
    assert response.status_code == 200
    assert response.context["page"].paginator.count == len(log)
    body = response.content.decode()
    assert "adoption:units" in body and "ukjent@moss.no" in body
    # Norwegian dates: the role grant at 23:30 local time on 12 March
    assert "12.03.2020 23:30" in body
    # A user target is named, so that the reader need not look the number up
    role = next(row for row in response.context["rows"] if row[0].action == "role.grant")
    assert role[3] == "nils"


# --- filters --------------------------------------------------------------------------------


def test_a_period_is_whole_local_days(org: Org, log: dict[str, AuditEvent]) -> None:
    client = signed_in(org.dina)
    # 23:30 on the 12th is the 12th in Oslo (22:30 UTC); 00:15 on the 13th is the 13th (23:15 UTC
    # on the 12th)
    assert listed(client, "?fra=2020-03-12&til=2020-03-12") == [f"user:{org.nils.pk}"]
    assert listed(client, "?fra=2020-03-13&til=2020-03-13") == ["systems:matrix"]
    assert sorted(listed(client, "?fra=2020-03-09&til=2020-03-10")) == sorted(
        ["adoption:units", "unit", "import-run:1", "ingest-run:9"]
    )
    # Norwegian input works too
    assert listed(client, "?fra=10.03.2020&til=10.03.2020") == ["ingest-run:9"]


def test_it_explains_a_period_that_ends_before_it_starts(
    org: Org, log: dict[str, AuditEvent]
) -> None:
    response = signed_in(org.dina).get(LOG + "?fra=2020-03-12&til=2020-03-10")
    assert response.status_code == 200
    assert response.context["form"].errors["til"]
    assert "id_til_error" in response.content.decode()


def test_it_filters_by_kind_of_event(org: Org, log: dict[str, AuditEvent]) -> None:
    client = signed_in(org.dina)
    assert sorted(listed(client, "?type=exports")) == ["adoption:units", "systems:matrix"]
    assert listed(client, "?type=views") == ["unit"]
    assert listed(client, "?type=imports") == ["import-run:1"]
    assert listed(client, "?type=purges") == ["ingest-run:9"]
    assert listed(client, "?type=signins") == ["ukjent@moss.no"]
    assert listed(client, "?type=settings") == [f"user:{org.nils.pk}"]
    assert listed(client, "?type=changes") == [""]
    assert listed(client, "?type=compute") == []


def test_it_filters_by_person_event_and_target(org: Org, log: dict[str, AuditEvent]) -> None:
    client = signed_in(org.dina)
    assert sorted(listed(client, "?hvem=kar")) == ["adoption:units", "systems:matrix"]
    assert sorted(listed(client, "?hvem=-")) == [
        "ingest-run:9",
        "ukjent@moss.no",
        f"user:{org.nils.pk}",
    ]
    assert listed(client, "?hendelse=systems.export") == ["systems:matrix"]
    assert listed(client, "?mal=MATRIX") == ["systems:matrix"]
    assert listed(client, "?hvem=kari&type=exports&fra=2020-03-13") == ["systems:matrix"]


def test_every_known_action_is_in_the_expected_family_in_python_and_in_sql(org: Org) -> None:
    AuditEvent.objects.all().delete()
    for action in KNOWN_ACTIONS:
        record_audit_event(None, action)
    for family in FAMILIES:
        in_sql = set(
            AuditEvent.objects.filter(family_condition(family.key)).values_list("action", flat=True)
        )
        expected = {a for a, key in KNOWN_ACTIONS.items() if key == family.key}
        assert in_sql == expected, family.key
        assert {a for a in KNOWN_ACTIONS if family_of(a).key == family.key} == expected


def test_an_action_no_family_knows_is_an_other_change(org: Org) -> None:
    record_audit_event(None, "weather.forecast.publish")
    assert family_of("weather.forecast.publish").key == "changes"
    assert AuditEvent.objects.filter(
        family_condition("changes"), action="weather.forecast.publish"
    ).exists()


def test_it_pages_and_the_links_keep_the_filter(org: Org) -> None:
    AuditEvent.objects.all().delete()
    start = at(dt.date(2020, 4, 1), 8)
    for i in range(120):
        event(org.kari, "adoption.export", start + dt.timedelta(minutes=i), f"t{i:03d}")
    event(org.ola, "adoption.view", start, "other")
    client = signed_in(org.dina)
    first = client.get(LOG + "?type=exports")
    assert first.context["page"].paginator.count == 120
    assert len(first.context["rows"]) == 50
    assert first.context["rows"][0][0].target == "t119"  # newest first
    assert "type=exports&amp;side=2" in first.content.decode()
    last = client.get(LOG + "?type=exports&side=3")
    assert [row[0].target for row in last.context["rows"]] == [
        f"t{i:03d}" for i in range(19, -1, -1)
    ]


# --- the CSV export -------------------------------------------------------------------------


def read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM, for Excel"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def test_the_export_holds_the_filtered_events_and_is_logged(
    org: Org, log: dict[str, AuditEvent]
) -> None:
    response = signed_in(org.dina).get(EXPORT + "?type=exports&hvem=kari")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = read_csv(response.content)
    assert len(rows) == 3  # header + two exports by Kari
    assert [r[4] for r in rows[1:]] == ["systems:matrix", "adoption:units"]
    assert rows[2][0] == "09.03.2020 09:00:00"
    assert rows[2][1] == "kari" and rows[2][3] == "adoption.export"
    assert '"rows": 12' in rows[2][5]
    logged = AuditEvent.objects.get(action="privacy.audit_log.export")
    assert logged.actor == org.dina
    assert logged.detail == {"filter": {"family": "exports", "actor": "kari"}, "rows": 2}


def test_the_export_of_everything_has_every_event_and_a_word_for_the_system(
    org: Org, log: dict[str, AuditEvent]
) -> None:
    rows = read_csv(signed_in(org.dina).get(EXPORT).content)
    assert len(rows) == 1 + len(log)
    system_rows = [r for r in rows[1:] if r[3] == "usage.purge"]
    assert system_rows[0][1] not in ("", "None")


def test_the_export_cannot_smuggle_a_formula_into_a_spreadsheet(org: Org) -> None:
    AuditEvent.objects.all().delete()
    record_audit_event(None, "signin.oidc.refused", target='=HYPERLINK("http://x")')
    rows = read_csv(signed_in(org.dina).get(EXPORT).content)
    assert rows[1][4].startswith("'=")


def test_an_invalid_filter_exports_nothing(org: Org, log: dict[str, AuditEvent]) -> None:
    response = signed_in(org.dina).get(EXPORT + "?fra=2020-03-12&til=2020-03-01")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert response.context["form"].errors["til"]
    assert not AuditEvent.objects.filter(action="privacy.audit_log.export").exists()


# --- append-only ----------------------------------------------------------------------------


def test_the_log_pages_change_nothing(org: Org, log: dict[str, AuditEvent]) -> None:
    client = signed_in(org.dina)
    before = list(AuditEvent.objects.values_list("pk", "action", "target", "at"))
    assert client.post(LOG, {"action": "x"}).status_code == 405
    assert client.post(EXPORT).status_code == 405
    assert list(AuditEvent.objects.values_list("pk", "action", "target", "at")) == before


def test_the_admin_shows_events_but_cannot_add_change_or_delete_them(
    admin: User, log: dict[str, AuditEvent]
) -> None:
    client = signed_in(admin)
    target = log["export"]
    base = "/admin/core/auditevent/"
    assert client.get(base).status_code == 200
    assert client.get(f"{base}add/").status_code == 403
    page = client.get(f"{base}{target.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content
    client.post(f"{base}{target.pk}/change/", {"action": "x", "target": "y"})
    assert client.get(f"{base}{target.pk}/delete/").status_code == 403
    client.post(f"{base}{target.pk}/delete/", {"post": "yes"})
    client.post(base, {"action": "delete_selected", "_selected_action": [target.pk]})
    target.refresh_from_db()
    assert (target.action, target.target) == ("adoption.export", "adoption:units")
    assert AuditEvent.objects.filter(pk=target.pk).exists()


def test_role_changes_in_the_admin_are_audited(org: Org, admin: User) -> None:
    AuditEvent.objects.all().delete()
    client = signed_in(admin)
    client.post("/admin/core/rolegrant/add/", {"user": org.nils.pk, "role": "it", "unit": ""})
    grant = RoleGrant.objects.get(user=org.nils, role="it")
    added = AuditEvent.objects.get(action="role.grant")
    assert (added.actor, added.target) == (admin, f"user:{org.nils.pk}")
    assert added.detail == {"role": "it", "unit": None}
    client.post(f"/admin/core/rolegrant/{grant.pk}/delete/", {"post": "yes"})
    assert not RoleGrant.objects.filter(pk=grant.pk).exists()
    revoked = AuditEvent.objects.get(action="role.revoke")
    assert (revoked.actor, revoked.detail) == (admin, {"role": "it", "unit": None})


def test_making_someone_a_superuser_in_the_admin_is_audited(org: Org, admin: User) -> None:
    AuditEvent.objects.all().delete()
    nils = org.nils
    signed_in(admin).post(
        f"/admin/auth/user/{nils.pk}/change/",
        {
            "username": nils.username,
            "password": nils.password,
            "is_active": "on",
            "is_superuser": "on",
            "date_joined_0": "2020-01-01",
            "date_joined_1": "08:00:00",
            "initial-date_joined_0": "2020-01-01",
            "initial-date_joined_1": "08:00:00",
        },
    )
    nils.refresh_from_db()
    assert nils.is_superuser
    changed = AuditEvent.objects.get(action="user.rights.change")
    assert changed.actor == admin and changed.target == f"user:{nils.pk}"
    assert changed.detail == {"is_superuser": True}


# --- retention ------------------------------------------------------------------------------


def make_snapshot(lake: Path, report: str, day: dt.date) -> None:
    folder = lake / report / "form=period" / f"day={day.isoformat()}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "d7.parquet").write_bytes(b"PAR1")


def test_the_retention_page_shows_the_setting_the_backlog_and_the_last_purge(
    org: Org, own_lake: Path, settings: Any
) -> None:
    from django.utils import timezone

    from veikart.usage.services import purge_raw_usage

    settings.RETENTION_DAYS = 400
    today = timezone.localdate()
    old = today - dt.timedelta(days=500)
    make_snapshot(own_lake, "teams_user_detail", old)
    make_snapshot(own_lake, "teams_user_detail", old + dt.timedelta(days=7))
    make_snapshot(own_lake, "teams_user_detail", today - dt.timedelta(days=3))
    client = signed_in(org.dina)

    before = client.get(RETENTION)
    assert before.status_code == 200
    assert before.context["days"] == 400 and before.context["snapshots"] == 3
    assert before.context["waiting"] == 2 and before.context["purges"] == []
    assert before.context["oldest"] == old
    body = before.content.decode()
    assert "VEIKART_RETENTION_DAYS" in body and "400" in body
    assert (today - dt.timedelta(days=400)).strftime("%d.%m.%Y") in body

    purge_raw_usage(actor=org.ida)
    after = client.get(RETENTION)
    assert after.context["waiting"] == 0 and after.context["snapshots"] == 1
    (purge,) = after.context["purges"]
    assert purge.snapshots == 2 and purge.actor == org.ida
    assert purge.before == today - dt.timedelta(days=400)
    assert purge.at.astimezone(OSLO).strftime("%d.%m.%Y %H:%M") in after.content.decode()


def test_the_retention_page_is_for_administrators_too(org: Org, admin: User) -> None:
    response = signed_in(admin).get(RETENTION)
    assert response.status_code == 200
    assert response.context["snapshots"] == 0 and response.context["waiting"] == 0
