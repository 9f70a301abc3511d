"""The status report for the leadership group: what it gathers, the PDF and the workbook, hidden
figures staying hidden, who may have it, the command line.

The world (MIN_GROUP_SIZE 5, report day 20.03.2020), over the personas' 7 employees:

- systems: Moss ran ePhorte and Visma, Rygge ran Public 360 and Agresso. ePhorte is replaced by
  Public 360 (in progress), Public 360 is kept (done); finance has no decision yet.
- roadmap T1: "Aktive i Teams" ≥ 80 % for the whole organisation (latest week 83,0 %: met),
  the same for Jeløy skole (its latest week is hidden: too few people), and 50 % of everyone on
  Teams grunnkurs by 31.03.2020 (5 of the 7 attended on 10.02.2020: met). Milestones: one done,
  one overdue, one ahead.
- adoption: the whole organisation, 11 weeks to week 12 2020 (83,0 %, +2,6 points).
- working agreement: version 1 published, Kari has acknowledged it (1 of 7).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

from tests.adoption.factories import figure
from tests.conftest import PASSWORD, Org
from tests.pdftext import pdf_text as shown_text
from tests.roadmaps.conftest import client_for, make_target, plant
from veikart.adoption.models import Figure
from veikart.core.constants import Role
from veikart.core.models import AuditEvent
from veikart.core.services import grant_role
from veikart.organisations.models import Employee, FormerOrganisation, Organisation
from veikart.roadmaps import status_documents, status_report
from veikart.roadmaps.constants import Status, TargetKind
from veikart.roadmaps.models import Initiative, Milestone
from veikart.systems import services as systems
from veikart.trainings.constants import TargetStatus
from veikart.trainings.models import Course, Enrolment, Session, TrainingTarget

DAY = dt.date(2020, 3, 20)
FIRST = dt.date(2020, 1, 6)  # week 2 2020
ACTIVE = (40.0, 45.0, 50.0, 55.0, 60.0, 65.0, 70.0, 74.0, 78.0, 80.4, 83.0)  # to week 12
PAGE, PDF, XLSX = (
    "/veikart/statusrapport/",
    "/veikart/statusrapport.pdf",
    "/veikart/statusrapport.xlsx",
)


@dataclass
class World:
    org: Org
    eva: User  # the executive
    initiative: Initiative


def nb(text: str) -> str:
    """Norwegian spaces (no-break, thin) as plain spaces, to compare."""
    return re.sub(r"[\u00a0\u202f]", " ", text)


def pdf_text(data: bytes) -> str:
    return nb(shown_text(data))


def _systems(organisation: Organisation) -> None:
    moss = FormerOrganisation.objects.get(code="moss")
    rygge = FormerOrganisation.objects.get(code="rygge")
    for former, name, category in (
        (moss, "ePhorte", "sak_arkiv"),
        (rygge, "Public 360", "sak_arkiv"),
        (moss, "Visma", "okonomi"),
        (rygge, "Agresso", "okonomi"),
    ):
        systems.save_system(
            organisation,
            None,
            {"former_organisation": former, "name": name, "category": category},
            actor=None,
        )
    decided = dt.date(2019, 6, 1)
    systems.save_decision(
        organisation,
        "ePhorte",
        {"kind": "replace", "replacement": "Public 360", "decided_on": decided,
         "status": "in_progress", "owner": "Arkivleder"},
        actor=None,
    )  # fmt: skip
    systems.save_decision(
        organisation,
        "Public 360",
        {"kind": "keep", "decided_on": decided, "status": "done"},
        actor=None,
    )


def _training(initiative: Initiative) -> None:
    course = Course.objects.create(code="TEAMS-GK", title="Teams grunnkurs", duration_minutes=60)
    start = dt.datetime(2020, 2, 10, 9, tzinfo=dt.UTC)
    session = Session.objects.create(
        code="S1", course=course, starts_at=start, ends_at=start + dt.timedelta(hours=2)
    )
    for number in ("1001", "1002", "1005", "1006", "1007"):
        Enrolment.objects.create(
            session=session,
            employee=Employee.objects.get(employee_number=number),
            enrolled_on=dt.date(2020, 2, 1),
            status="attended",
        )
    make_target(
        initiative,
        name="Teams grunnkurs for alle",
        kind=TargetKind.COURSE_SHARE,
        metric="",
        course=course,
        threshold=Decimal(50),
        due_date=dt.date(2020, 3, 31),
    )


def _agreement(org: Org) -> None:
    from veikart.agreements.services import acknowledge, create_organisation_agreement, publish

    draft = create_organisation_agreement(org.kari)
    version = publish(org.kari, draft, change_note="", requires_acknowledgement=True)
    acknowledge(org.kari, [version.pk], now=dt.datetime(2020, 3, 2, 12, tzinfo=dt.UTC))


@pytest.fixture
def world(org: Org, initiative: Initiative, settings: Any) -> World:
    settings.MIN_GROUP_SIZE = 5
    organisation = cast(Organisation, org.organisation)
    eva = User.objects.create_user("eva", password=PASSWORD)
    grant_role(eva, Role.EXECUTIVE)
    _systems(organisation)
    for week, value in enumerate(ACTIVE):
        figure(organisation, period=FIRST + dt.timedelta(weeks=week), n=7, active_teams=value)
    plant(org, [60.0, 62.0, None], breakdown="unit_subtree", unit="110",
          first=dt.date(2020, 3, 2))  # fmt: skip
    make_target(initiative, name="Aktive i Teams")
    make_target(initiative, name="Aktive i Teams på Jeløy", population="unit", unit="110")
    _training(initiative)
    for day, text, done in (
        (dt.date(2020, 1, 15), "Teams rullet ut", True),
        (dt.date(2020, 3, 1), "Alle team opprettet", False),
        (dt.date(2020, 6, 1), "E-post bare eksternt", False),
    ):
        Milestone.objects.create(initiative=initiative, date=day, text=text, done=done)
    _agreement(org)
    return World(org, eva, initiative)


# --- What the report gathers ---------------------------------------------------------------------


def test_the_report_gathers_every_part_as_kari_sees_it(world: World) -> None:
    report = status_report.get_status_report_for_user(world.org.kari, day=DAY)

    assert report.organisation == "Moss kommune" and report.day == DAY
    assert report.made_by == "kari"
    d = report.decisions
    assert d.made == 2
    assert [(line.system, line.status.value) for line in d.lines] == [
        ("ePhorte", "in_progress"),
        ("Public 360", "done"),
    ]
    assert d.undecided_systems == ("Agresso", "Visma")
    assert [(p.category, p.undecided) for p in d.pending] == [("Økonomi", ("Agresso", "Visma"))]

    r = report.roadmap
    statuses = {t.name: t.status for t in r.targets}
    assert statuses == {
        "Aktive i Teams": Status.MET,
        "Aktive i Teams på Jeløy": Status.HIDDEN,
        "Teams grunnkurs for alle": Status.MET,
    }
    whole = next(t for t in r.targets if t.name == "Aktive i Teams")
    assert whole.value == Decimal("83.0")
    hidden = next(t for t in r.targets if t.status == Status.HIDDEN)
    assert hidden.value is None and hidden.value_text == ""
    assert dict(r.target_counts) == {Status.MET: 2, Status.HIDDEN: 1}
    (t1,) = r.initiatives
    assert t1.status == Status.MET  # the hidden target has no say
    assert (t1.milestones, t1.milestones_done, t1.milestones_overdue) == (3, 1, 1)

    (line,) = report.training.lines
    assert (line.population, line.trained, line.required) == (7, 5, 4)
    assert line.share == pytest.approx(100 * 5 / 7) and line.status == TargetStatus.MET
    groups = {(g.group, g.label): g for g in line.groups}
    assert groups[("unit", "Oppvekst")].small and groups[("unit", "Oppvekst")].share is None
    moss = groups[("former_organisation", "Moss kommune (til 2020)")]
    assert (moss.population, moss.trained) == (5, 3) and moss.share == pytest.approx(60)

    a = report.adoption
    assert a.period == dt.date(2020, 3, 16)
    teams = next(x for x in a.lines if x.key == "active_teams")
    assert teams.value == Decimal("83.0") and teams.change == Decimal("2.6")

    assert report.impact.shown and report.impact.sentence == ""
    w = report.agreement
    assert (w.version, w.people, w.acknowledged) == (1, 7, 1)


def test_an_initiative_takes_the_worst_status_of_its_targets(world: World) -> None:
    from veikart.roadmaps import selectors

    states = list(selectors.target_states(world.org.kari, world.initiative.targets.all()))
    met = [s for s in states if s.status == Status.MET]
    assert status_report.initiative_status(tuple(met)) == Status.MET
    at_risk = _with_status(met[0], Status.AT_RISK)
    off = _with_status(met[0], Status.OFF_TRACK)
    assert status_report.initiative_status((*met, at_risk)) == Status.AT_RISK
    assert status_report.initiative_status((at_risk, off, *met)) == Status.OFF_TRACK
    hidden = [s for s in states if s.status == Status.HIDDEN]
    assert status_report.initiative_status(tuple(hidden)) is None


def _with_status(state: Any, status: Status) -> Any:
    from dataclasses import replace

    return replace(state, status=status)


# --- The files -----------------------------------------------------------------------------------


def test_the_pdf_has_the_cover_the_summary_and_the_sections_in_norwegian(world: World) -> None:
    response = client_for(world.org.kari).get(PDF, {"dato": "2020-03-20"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="statusrapport-2020-03-20.pdf"' in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert "Moss kommune" in text and "20. mars 2020" in text
    assert "uke 12 2020" in text and "16.03.2020–22.03.2020" in text
    assert "83,0 %" in text and "+2,6" in text  # the adoption headline and its change
    assert "71 %" in text  # 5 of the 7 trained
    assert "Nådd" in text and "For få personer til å vises" in text
    assert "Økonomi" in text and "Agresso, Visma" in text  # the category that needs a decision
    assert "Erstatt med Public 360" in text or "Replace with Public 360" in text
    assert nb(_("hidden (fewer than %(k)d)") % {"k": 5}) in text
    assert "1 of 7" in text or "1 av 7" in text  # the working agreement's acknowledgements
    event = AuditEvent.objects.get(action="roadmap.status_report")
    assert event.actor_id == world.org.kari.pk
    assert event.detail == {"format": "pdf", "date": "2020-03-20"}


def sheets(content: bytes) -> Workbook:
    return load_workbook(io.BytesIO(content))


def rows_of(book: Workbook, name: str) -> list[tuple[Any, ...]]:
    return [tuple(c.value for c in row) for row in book[name].iter_rows()]


def test_the_workbook_has_a_sheet_per_table_with_numbers_and_norwegian_formats(
    world: World,
) -> None:
    response = client_for(world.org.kari).get(XLSX, {"dato": "20.03.2020"})

    assert response.status_code == 200
    assert response["Content-Type"] == status_documents.XLSX_CONTENT_TYPE
    book = sheets(response.content)
    adoption, training, targets = _("Adoption"), _("Training"), _("Targets")
    assert {adoption, training, targets, _("Decisions"), _("Summary")} <= set(book.sheetnames)
    for name in book.sheetnames[1:]:
        assert book[name].freeze_panes == "B2"
        assert book[name]["A1"].font.bold

    teams = next(r for r in rows_of(book, adoption) if r[0] == "Aktive i Teams")
    assert teams[1] == pytest.approx(0.83) and teams[2] == pytest.approx(2.6)
    row = next(book[adoption].iter_rows(min_row=2 + rows_of(book, adoption)[1:].index(teams)))
    assert row[1].number_format == "0.0%" and row[2].number_format.startswith("+0.0")

    (header, plan_row) = rows_of(book, training)
    assert header[0] == pgettext("status report", "Target")
    assert plan_row[0] == TrainingTarget.objects.get().name  # linked from the roadmap's target
    assert plan_row[1].date() == dt.date(2020, 3, 31)  # a real date (dd.mm.yyyy in Excel)
    assert book[training]["B2"].number_format == "dd.mm.yyyy"
    assert plan_row[2:5] == (7, 5, pytest.approx(5 / 7))
    assert plan_row[7] == str(TargetStatus.MET.label)

    by_name = {r[1]: r for r in rows_of(book, targets)[1:]}
    assert by_name["Aktive i Teams"][5] == pytest.approx(0.83)
    assert by_name["Aktive i Teams"][7] == str(Status.MET.label)
    decisions = rows_of(book, _("Decisions"))
    assert [r[0] for r in decisions[1:]] == ["ePhorte", "Public 360"]
    assert decisions[1][5].date() == dt.date(2019, 6, 1)


def test_a_hidden_figure_stays_hidden_in_every_format(world: World) -> None:
    Figure.objects.filter(breakdown="", period=dt.date(2020, 3, 16)).update(
        visible=False, values={}
    )
    hidden = nb(_("hidden (fewer than %(k)d)") % {"k": 5})
    too_few = _("too few to show")
    kari = client_for(world.org.kari)

    page = nb(kari.get(PAGE, {"dato": "2020-03-20"}).content.decode())
    assert hidden in page and too_few in page
    assert "83,0" not in page

    text = pdf_text(kari.get(PDF, {"dato": "2020-03-20"}).content)
    assert hidden in text and "83,0" not in text

    book = sheets(kari.get(XLSX, {"dato": "2020-03-20"}).content)
    teams = next(r for r in rows_of(book, _("Adoption")) if r[0] == "Aktive i Teams")
    assert nb(teams[1]) == hidden and teams[2] == "–"  # no change from a hidden week
    groups = rows_of(book, _("Training by group"))
    rygge = next(r for r in groups if r[2] == "Rygge kommune (til 2020)")
    assert rygge[3:5] == (2, 2)  # the counts, as the training plan shows them
    assert rygge[5] == too_few  # but not the share (100 %) of a group of two
    jeloy = next(r for r in rows_of(book, _("Targets"))[1:] if r[1] == "Aktive i Teams på Jeløy")
    assert nb(jeloy[5]) == hidden and jeloy[7] == str(Status.HIDDEN.label)
    summary = [r for r in rows_of(book, _("Summary")) if r[1] == "Aktive i Teams"]
    assert summary and nb(summary[0][2]) == hidden


# --- Who may have it -----------------------------------------------------------------------------


@pytest.mark.parametrize("url", [PAGE, PDF, XLSX])
def test_the_programme_lead_and_the_executive_get_the_report_and_others_do_not(
    world: World, url: str
) -> None:
    org = world.org
    for user in (org.kari, world.eva):
        assert client_for(user).get(url).status_code == 200, user
    for user in (org.ola, org.nils, org.ida, org.per, org.dina):
        assert client_for(user).get(url).status_code == 403, user
    downloads = AuditEvent.objects.filter(action="roadmap.status_report").count()
    assert downloads == (0 if url == PAGE else 2)


def test_the_executive_gets_no_part_the_pages_do_not_show_them(world: World) -> None:
    report = status_report.get_status_report_for_user(world.eva, day=DAY)

    # The training plan is the programme lead's (and administrators'); the executive sees the
    # roadmap's course target, not the plan's groups.
    assert not report.training.shown and report.training.lines == ()
    assert report.decisions.shown and report.roadmap.shown and report.adoption.shown
    assert report.agreement.acknowledged == 1
    page = client_for(world.eva).get(PAGE, {"dato": "2020-03-20"}).content.decode()
    assert status_documents.not_shown_text() in page
    assert "Oppvekst" not in page


def test_the_roadmap_links_to_the_report_for_those_who_may_have_it(world: World) -> None:
    assert b"/veikart/statusrapport/" in client_for(world.org.kari).get("/veikart/").content
    assert b"/veikart/statusrapport/" not in client_for(world.org.ida).get("/veikart/").content


def test_a_bad_date_is_refused_with_what_to_do(world: World) -> None:
    kari = client_for(world.org.kari)
    page = kari.get(PAGE, {"dato": "31.02.2020"})
    assert page.status_code == 400
    body = page.content.decode()
    assert "31.02.2020" in body and "30.06.2020" in body  # what was wrong, and an example
    download = kari.get(PDF, {"dato": "i går"})
    assert download.status_code == 400
    assert "i går" in download.content.decode() and "30.06.2020" in download.content.decode()
    assert not AuditEvent.objects.filter(action="roadmap.status_report").exists()


# --- The command line ----------------------------------------------------------------------------


def test_veikart_report_status_writes_the_file_as_the_user(world: World, tmp_path: Path) -> None:
    target = tmp_path / "status.xlsx"
    out = io.StringIO()
    call_command("report-status", "--format", "xlsx", "--out", str(target), "--date",
                 "2020-03-20", "--user", "kari", stdout=out)  # fmt: skip

    book = sheets(target.read_bytes())
    assert _("Training") in book.sheetnames
    assert "20.03.2020" in out.getvalue()
    event = AuditEvent.objects.get(action="roadmap.status_report")
    assert event.actor_id == world.org.kari.pk and event.detail["format"] == "xlsx"

    pdf_file = tmp_path / "status.pdf"
    call_command("report-status", "--out", str(pdf_file), "--date", "2020-03-20", stdout=out)
    assert "Agresso, Visma" in pdf_text(pdf_file.read_bytes())


def test_veikart_report_status_refuses_who_may_not_have_it_and_a_bad_date(
    world: World, tmp_path: Path
) -> None:
    target = tmp_path / "status.pdf"
    with pytest.raises(CommandError, match="programme lead"):
        call_command("report-status", "--out", str(target), "--user", "nils")
    with pytest.raises(CommandError, match="--date"):
        call_command("report-status", "--out", str(target), "--date", "31.02.2020")
    with pytest.raises(CommandError, match="No user named"):
        call_command("report-status", "--out", str(target), "--user", "nobody")
    assert not target.exists()
    assert not AuditEvent.objects.filter(action="roadmap.status_report").exists()
