"""Subject access (innsyn): everything Veikart stores about one person, and nobody else's.

Nils (employee 1005, who came from Rygge with a second sign-in name) asks what is stored about
him. The report lists his HR record, units, sign-in names and pseudonyms, account and roles,
training, self-assessment answers, agreement acknowledgements and audit events — and counts,
without showing, the usage-lake rows under his pseudonyms. Kari's records sit beside his in every
table, and must not appear.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zoneinfo
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from tests.conftest import Org
from veikart.core.constants import Role
from veikart.core.models import AuditEvent
from veikart.core.services import record_audit_event
from veikart.organisations.models import Employee
from veikart.trainings.constants import EnrolmentStatus

# A usage value planted in the lake: it must never come out of a report.
SECRET_COUNT = 987_654


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def employee(number: str) -> Employee:
    return Employee.objects.get(employee_number=number)


def pseudonyms_of(number: str) -> list[str]:
    person = employee(number)
    return sorted({person.pseudonym, *person.identities.values_list("pseudonym", flat=True)})


def write_snapshot(lake: Path, report: str, form: str, day: str, people: list[str]) -> None:
    folder = lake / report / f"form={form}" / f"day={day}"
    folder.mkdir(parents=True, exist_ok=True)
    table = pa.table(
        {
            "person": pa.array(people, pa.string()),
            "report_refresh_date": pa.array([dt.date.fromisoformat(day)] * len(people)),
            "teams_chat_message_count": pa.array([SECRET_COUNT] * len(people), pa.int64()),
        }
    )
    pq.write_table(table, folder / ("data.parquet" if form == "date" else "d7.parquet"))


@pytest.fixture
def records(org: Org, own_lake: Path) -> dict[str, Any]:
    """Nils's and Kari's records side by side in training, self-assessment, agreements, the
    audit log and the lake."""
    from veikart.agreements.models import Acknowledgement
    from veikart.agreements.services import create_organisation_agreement, publish
    from veikart.competence.models import Answer, Response, Wave
    from veikart.competence.services import create_survey_from_template
    from veikart.core.services import grant_role
    from veikart.trainings.models import Course, Enrolment, Session

    nils, kari = employee("1005"), employee("1001")
    grant_role(org.nils, Role.TRAINER)
    course = Course.objects.create(
        code="TEAMS-GK", title="Teams grunnkurs", format="classroom", duration_minutes=120
    )
    start = dt.datetime(2019, 9, 3, 9, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Oslo"))
    session = Session.objects.create(
        code="OKT-1", course=course, starts_at=start, ends_at=start + dt.timedelta(hours=2)
    )
    other = Session.objects.create(
        code="OKT-2",
        course=course,
        starts_at=start + dt.timedelta(days=1),
        ends_at=start + dt.timedelta(days=1, hours=2),
        trainer=kari,
    )
    Enrolment.objects.create(
        session=session, employee=nils, enrolled_on=dt.date(2019, 8, 20), status="attended"
    )
    Enrolment.objects.create(
        session=other, employee=kari, enrolled_on=dt.date(2019, 8, 21), status="no_show"
    )

    survey = create_survey_from_template(org.kari, "m365-samarbeid")
    wave = Wave.objects.create(
        survey=survey,
        name="Før kurs",
        kind="periodic",
        opens_on=dt.date(2019, 8, 1),
        closes_on=dt.date(2019, 8, 31),
    )
    questions = list(survey.questions.order_by("position")[:2])
    for person, level in ((nils, 3), (kari, 7)):
        response = Response.objects.create(wave=wave, employee=person, submitted_at=timezone.now())
        Answer.objects.bulk_create(
            Answer(response=response, question=q, level=level) for q in questions
        )

    version = publish(
        org.kari,
        create_organisation_agreement(org.kari),
        change_note="",
        requires_acknowledgement=True,
    )
    for person in (nils, kari):
        Acknowledgement.objects.create(
            employee=person, version=version, acknowledged_at=timezone.now()
        )

    record_audit_event(org.nils, "adoption.view", target="nils-looked")
    record_audit_event(org.kari, "adoption.export", target="kari-exported")
    record_audit_event(None, "signin.oidc.refused", target="nils.berg@rygge.kommune.no")
    record_audit_event(
        org.kari,
        "training.enrolment.prerequisite_override",
        target="session:OKT-9",
        detail={"employee": "1005", "reason": "brukte Teams i Rygge"},
    )
    record_audit_event(None, "signin.oidc.refused", target="kari.nordmann@moss.kommune.no")

    nils_keys, kari_keys = pseudonyms_of("1005"), pseudonyms_of("1001")
    strangers = [f"{i:064x}" for i in range(5)]
    # Two weekly files and a daily one; Nils under both of his names (before and after the merger)
    write_snapshot(
        own_lake,
        "teams_user_detail",
        "period",
        "2019-11-10",
        [nils_keys[0], *kari_keys, *strangers],
    )
    write_snapshot(
        own_lake,
        "teams_user_detail",
        "period",
        "2020-03-15",
        [*nils_keys, *kari_keys, *strangers],
    )
    write_snapshot(own_lake, "email_user_detail", "date", "2020-03-16", [nils_keys[1], *strangers])
    write_snapshot(own_lake, "email_user_detail", "date", "2020-03-17", strangers)
    # An organisation-level report without a person column: skipped, not an error
    org_level = own_lake / "teams_activity_counts" / "form=period" / "day=2020-03-15"
    org_level.mkdir(parents=True)
    pq.write_table(pa.table({"teams": [412]}), org_level / "d7.parquet")
    return {"nils": nils, "kari": kari, "nils_keys": nils_keys}


def report_json(client: Client, url: str) -> dict[str, Any]:
    response = client.get(url + "?format=json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data: dict[str, Any] = json.loads(response.content)
    return data


# --- contents -------------------------------------------------------------------------------


def test_the_report_holds_the_persons_records_and_nobody_elses(
    org: Org, records: dict[str, Any]
) -> None:
    from veikart.core.subject_access import subject_access_report

    report = subject_access_report(records["nils"])
    data = json.loads(report.as_json())
    sections = data["sections"]

    person = sections["employee"]
    assert (person["employee_number"], person["given_name"], person["family_name"]) == (
        "1005",
        "Nils",
        "Berg",
    )
    assert person["pseudonym"] == records["nils"].pseudonym
    assert [a["unit_code"] for a in sections["assignments"]] == ["210"]
    assert {i["upn"] for i in sections["identities"]} == {
        "nils.berg@moss.kommune.no",
        "nils.berg@rygge.kommune.no",
    }
    assert {i["pseudonym"] for i in sections["identities"]} <= set(records["nils_keys"])

    assert sections["account"]["username"] == "nils"
    assert {r["role"] for r in sections["roles"]} == {
        str(Role.TRAINER.label),
        str(Role.EMPLOYEE.label),
    }
    assert [(e["session"], e["status"]) for e in sections["enrolments"]] == [
        ("OKT-1", str(EnrolmentStatus.ATTENDED.label))
    ]
    assert sections["sessions_run"] == []  # Kari runs OKT-2, not Nils
    assert [a["level"] for a in sections["self_assessment"]] == [3, 3]
    assert {a["round"] for a in sections["self_assessment"]} == {"Før kurs"}
    assert len(sections["acknowledgements"]) == 1

    assert [e["target"] for e in sections["audit_actor"]] == ["nils-looked"]
    about = {e["target"] for e in sections["audit_about"]}
    assert about >= {"nils.berg@rygge.kommune.no", "session:OKT-9", f"user:{org.nils.pk}"}
    override = next(e for e in sections["audit_about"] if e["target"] == "session:OKT-9")
    assert override["actor"] == "kari" and override["detail"]["reason"] == "brukte Teams i Rygge"

    text = report.as_json().decode()
    for other in ("Nordmann", "kari-exported", "kari.nordmann@moss.kommune.no", "OKT-2"):
        assert other not in text, other
    for key in pseudonyms_of("1001"):
        assert key not in text


def test_the_usage_lake_is_counted_never_shown(org: Org, records: dict[str, Any]) -> None:
    from veikart.core.subject_access import subject_access_report

    report = subject_access_report(records["nils"])
    lake = report.lake
    assert lake.unavailable == ""
    assert lake.pseudonyms == 2
    # 1 row (old name) in November, 2 (both names) in March, 1 in the daily e-mail file
    assert lake.rows == 4 and lake.snapshots == 3
    assert (lake.first_day, lake.last_day) == (dt.date(2019, 11, 10), dt.date(2020, 3, 16))
    assert dict(lake.by_report) == {"email_user_detail": 1, "teams_user_detail": 3}
    text = report.as_json().decode()
    assert str(SECRET_COUNT) not in text and "teams_chat_message_count" not in text
    usage = json.loads(text)["usage_lake"]
    assert usage["rows"] == 4 and "pseudonym" in usage["statement"]


def test_someone_the_lake_never_saw_has_no_rows(org: Org, records: dict[str, Any]) -> None:
    from veikart.core.subject_access import subject_access_report

    lake = subject_access_report(employee("1004")).lake
    assert (lake.rows, lake.snapshots, lake.first_day) == (0, 0, None)


def test_other_records_that_name_the_person_are_counted(org: Org, records: dict[str, Any]) -> None:
    from veikart.core.subject_access import subject_access_report

    # Ola is the manager of two teachers in the HR data; Kari created the survey and the agreement
    ola = subject_access_report(employee("1002")).as_dict()["sections"]["other_records"]
    assert {(r["model"], r["count"]) for r in ola} >= {("organisations.Employee", 2)}
    kari = subject_access_report(employee("1001")).as_dict()["sections"]["other_records"]
    models = {r["model"] for r in kari}
    assert "competence.Survey" in models and "agreements.Agreement" in models
    nils = subject_access_report(employee("1005")).as_dict()["sections"]["other_records"]
    assert nils == []


def test_an_account_without_an_employee_record_gets_a_report_too(org: Org) -> None:
    from veikart.core.subject_access import subject_access_report

    report = subject_access_report(org.dina).as_dict()
    assert report["sections"]["account"]["username"] == "dina"
    assert [r["source"] for r in report["sections"]["roles"]]
    assert "employee" not in report["sections"]
    assert report["usage_lake"]["pseudonyms"] == 0 and report["usage_lake"]["rows"] == 0


# --- pages, access and the audit log --------------------------------------------------------


def test_an_employee_sees_their_own_report_and_it_is_logged(
    org: Org, records: dict[str, Any]
) -> None:
    client = signed_in(org.nils)
    page = client.get("/personvern/mine-data/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "nils.berg@rygge.kommune.no" in body and "Teams grunnkurs" in body
    assert "kari-exported" not in body and str(SECRET_COUNT) not in body
    data = report_json(client, "/personvern/mine-data/")
    assert data["sections"]["employee"]["employee_number"] == "1005"
    pdf = client.get("/personvern/mine-data/?format=pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    logged = list(
        AuditEvent.objects.filter(action="privacy.subject_access")
        .order_by("pk")
        .values_list("actor", "target", "detail")
    )
    target = f"employee:{records['nils'].pk}"
    assert logged == [
        (org.nils.pk, target, {"format": "html", "own": True}),
        (org.nils.pk, target, {"format": "json", "own": True}),
        (org.nils.pk, target, {"format": "pdf", "own": True}),
    ]


@pytest.mark.parametrize("name", ["nils", "kari", "ola", "ida", "per"])
def test_nobody_but_the_dpo_and_administrators_sees_another_persons_report(
    org: Org, records: dict[str, Any], name: str
) -> None:
    client = signed_in(getattr(org, name))
    kari = records["kari"]
    for url in (
        f"/personvern/innsyn/ansatt/{kari.pk}/",
        f"/personvern/innsyn/bruker/{org.dina.pk}/",
    ):
        assert client.get(url).status_code == 403
        assert client.get(url + "?format=json").status_code == 403
    assert not AuditEvent.objects.filter(action="privacy.subject_access").exists()


def test_the_dpo_finds_a_person_and_makes_the_report(org: Org, records: dict[str, Any]) -> None:
    client = signed_in(org.dina)
    found = client.get("/personvern/innsyn/?q=berg")
    assert found.status_code == 200
    assert [e.employee_number for e in found.context["employees"]] == ["1005"]
    assert f"/personvern/innsyn/ansatt/{records['nils'].pk}/" in found.content.decode()
    by_account = client.get("/personvern/innsyn/?q=ida")
    assert [u.username for u in by_account.context["users"]] == ["ida"]
    nobody = client.get("/personvern/innsyn/?q=zzzz")
    assert nobody.context["employees"] == [] and nobody.context["users"] == []

    url = f"/personvern/innsyn/ansatt/{records['nils'].pk}/"
    page = client.get(url)
    assert page.status_code == 200 and "Nils Berg" in page.content.decode()
    data = report_json(client, url)
    assert data["sections"]["employee"]["employee_number"] == "1005"
    logged = AuditEvent.objects.filter(action="privacy.subject_access", actor=org.dina)
    assert {e.detail["format"] for e in logged} == {"html", "json"}
    assert {e.detail["own"] for e in logged} == {False}
    # The DPO's reports show up in Nils's next report, among the events about him
    mine = report_json(signed_in(org.nils), "/personvern/mine-data/")
    assert (
        sum(1 for e in mine["sections"]["audit_about"] if e["action"] == "privacy.subject_access")
        >= 2
    )


def test_a_report_for_nobody_is_not_found(org: Org) -> None:
    client = signed_in(org.dina)
    assert client.get("/personvern/innsyn/ansatt/999999/").status_code == 404
    assert client.get("/personvern/innsyn/bruker/999999/").status_code == 404


def test_the_privacy_front_page_sends_each_person_to_their_place(org: Org) -> None:
    assert signed_in(org.dina).get("/personvern/")["Location"].endswith("/personvern/logg/")
    assert signed_in(org.nils).get("/personvern/")["Location"].endswith("/personvern/mine-data/")


# --- the command ----------------------------------------------------------------------------


def test_the_command_writes_the_report_and_logs_it(
    org: Org, records: dict[str, Any], tmp_path: Path
) -> None:
    output = tmp_path / "innsyn.json"
    out = io.StringIO()
    call_command(
        "privacy-report", "1005", "--format", "json", "--output", str(output), "--user", "dina",
        stdout=out,
    )  # fmt: skip
    data = json.loads(output.read_text(encoding="utf-8"))
    assert data["sections"]["employee"]["employee_number"] == "1005"
    assert data["usage_lake"]["rows"] == 4
    assert str(output) in out.getvalue()
    logged = AuditEvent.objects.get(action="privacy.subject_access")
    assert logged.actor == org.dina and logged.detail == {"format": "json", "own": False}


def test_the_command_refuses_someone_who_is_not_the_dpo(org: Org, tmp_path: Path) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="data-protection officer"):
        call_command(
            "privacy-report", "1005", "--output", str(tmp_path / "x.pdf"), "--user", "kari"
        )
    with pytest.raises(CommandError, match="No employee"):
        call_command("privacy-report", "9999", "--output", str(tmp_path / "x.pdf"))
    assert not (tmp_path / "x.pdf").exists()
    assert not AuditEvent.objects.filter(action="privacy.subject_access").exists()
