"""The programme lead builds the roadmap on the web: initiatives, milestones (HTMX), targets on a
metric and on a course — and bad input is refused with what to do, leaving everything as it was."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.conftest import Org
from tests.roadmaps.conftest import client_for, make_target, plant
from veikart.core.models import AuditEvent
from veikart.organisations.models import Unit
from veikart.roadmaps.constants import Population, TargetKind
from veikart.roadmaps.models import Initiative, Milestone, Target
from veikart.trainings.constants import Population as TrainingPopulation
from veikart.trainings.models import Course, TrainingTarget

INITIATIVE = {
    "code": "T2",
    "title": "Fra filserver til OneDrive",
    "goal": "Ingen arbeidsfiler på filserverne.",
    "owner": "IKT-sjef",
    "target_groups": "Alle ansatte",
    "start": "01.11.2019",
    "end": "30.09.2020",
    "status": "in_progress",
}


def target_data(**changes: str) -> dict[str, str]:
    return {
        "name": "Aktive i Teams",
        "kind": "metric",
        "metric": "active_teams",
        "direction": "at_least",
        "threshold": "80",
        "due_date": "31.12.2020",
        "population": "everyone",
        **changes,
    }


def test_the_programme_lead_creates_an_initiative_and_sees_it_on_the_roadmap(org: Org) -> None:
    client = client_for(org.kari)
    response = client.post(
        "/veikart/tiltak/nytt/", {**INITIATIVE, "units": [Unit.objects.get(code="200").pk]}
    )
    assert response.status_code == 302
    initiative = Initiative.objects.get(code="T2")
    assert [u.code for u in initiative.units.all()] == ["200"]
    assert AuditEvent.objects.filter(action="roadmap.initiative.create").exists()
    overview = client.get("/veikart/").content.decode()
    assert "Fra filserver til OneDrive" in overview and 'id="timeline"' in overview


def test_an_initiative_that_ends_before_it_starts_is_refused_and_nothing_is_saved(
    org: Org,
) -> None:
    response = client_for(org.kari).post(
        "/veikart/tiltak/nytt/", {**INITIATIVE, "end": "01.01.2019"}
    )
    assert response.status_code == 400
    assert "before the start" in response.content.decode() or "før start" in (
        response.content.decode()
    )
    assert not Initiative.objects.exists()


def test_a_second_initiative_with_the_same_code_is_refused(
    org: Org, initiative: Initiative
) -> None:
    response = client_for(org.kari).post("/veikart/tiltak/nytt/", {**INITIATIVE, "code": "t1"})
    assert response.status_code == 400
    assert Initiative.objects.count() == 1


def test_milestones_are_added_and_ticked_off_in_place_with_htmx(
    org: Org, initiative: Initiative
) -> None:
    client = client_for(org.kari)
    url = f"/veikart/tiltak/{initiative.pk}/milepaeler/ny/"
    added = client.post(url, {"date": "01.03.2020", "text": "Alle enheter har eget team"},
                        HTTP_HX_REQUEST="true")  # fmt: skip
    assert added.status_code == 200
    assert "Alle enheter har eget team" in added.content.decode()
    assert "<html" not in added.content.decode()  # the section only
    milestone = Milestone.objects.get()
    ticked = client.post(
        f"/veikart/milepaeler/{milestone.pk}/ferdig/", {"done": "1"}, HTTP_HX_REQUEST="true"
    )
    assert ticked.status_code == 200 and 'aria-pressed="true"' in ticked.content.decode()
    milestone.refresh_from_db()
    assert milestone.done


def test_a_milestone_without_a_date_is_refused_with_the_form_shown_again(
    org: Org, initiative: Initiative
) -> None:
    response = client_for(org.kari).post(
        f"/veikart/tiltak/{initiative.pk}/milepaeler/ny/", {"text": "Uten dato"},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip
    assert response.status_code == 200 and 'id="milestone-errors"' in response.content.decode()
    assert not Milestone.objects.exists()


def test_the_programme_lead_creates_a_metric_target_and_sees_its_status(
    org: Org, initiative: Initiative
) -> None:
    plant(org, [40, 50, 64])
    client = client_for(org.kari)
    response = client.post(f"/veikart/tiltak/{initiative.pk}/mal/nytt/", target_data())
    assert response.status_code == 302, response.content.decode()
    target = Target.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert "64,0" in page and 'id="target-status"' in page
    initiative_page = client.get(f"/veikart/tiltak/{initiative.pk}/").content.decode()
    assert "64,0" in initiative_page and target.name in initiative_page


def test_a_decimal_comma_threshold_is_read(org: Org, initiative: Initiative) -> None:
    response = client_for(org.kari).post(
        f"/veikart/tiltak/{initiative.pk}/mal/nytt/",
        target_data(metric="email_to_teams_shift", threshold="0,6"),
    )
    assert response.status_code == 302
    assert Target.objects.get().threshold == Decimal("0.6")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"threshold": "120"}, "threshold"),
        ({"metric": "email_to_teams_shift", "threshold": "60"}, "threshold"),
        ({"metric": "no_such_metric"}, "metric"),
        ({"metric": ""}, "metric"),
        ({"threshold": "-1"}, "threshold"),
        ({"population": "unit"}, "unit"),
        ({"population": "unit_type"}, "unit_type"),
        ({"population": "unit_type", "unit_type": "school", "leaders_only": "on"}, "leaders_only"),
        ({"kind": "course_share", "metric": ""}, "course"),
    ],
)
def test_a_target_that_does_not_fit_together_is_refused_and_nothing_is_saved(
    org: Org, initiative: Initiative, changes: dict[str, str], field: str
) -> None:
    response = client_for(org.kari).post(
        f"/veikart/tiltak/{initiative.pk}/mal/nytt/", target_data(**changes)
    )
    assert response.status_code == 400
    assert 'id="form-errors"' in response.content.decode()
    form = response.context["form"]
    assert field in form.errors, form.errors
    assert not Target.objects.exists()
    assert not TrainingTarget.objects.exists()


def test_leaders_of_a_former_organisation_are_refused_with_what_to_choose(
    org: Org, initiative: Initiative
) -> None:
    from veikart.organisations.models import FormerOrganisation

    moss = FormerOrganisation.objects.get(code="moss")
    response = client_for(org.kari).post(
        f"/veikart/tiltak/{initiative.pk}/mal/nytt/",
        target_data(
            population="former_organisation",
            former_organisation=str(moss.pk),
            leaders_only="on",
        ),
    )
    assert response.status_code == 400
    message = " ".join(response.context["form"].errors["leaders_only"])
    assert "unit" in message or "enhet" in message


def test_a_course_target_creates_a_training_plan_target_and_a_second_one_reuses_it(
    org: Org, initiative: Initiative
) -> None:
    course = Course.objects.create(code="LEDER-DIG", title="Digital ledelse", duration_minutes=60)
    client = client_for(org.kari)
    data = target_data(
        kind="course_share", metric="", course=str(course.pk), threshold="90", leaders_only="on"
    )
    assert client.post(f"/veikart/tiltak/{initiative.pk}/mal/nytt/", data).status_code == 302
    linked = TrainingTarget.objects.get()
    assert linked.population == TrainingPopulation.LEADERS
    assert linked.value == 90 and linked.due_date == dt.date(2020, 12, 31)
    assert [c.code for c in linked.courses.all()] == ["LEDER-DIG"]
    assert client.post(f"/veikart/tiltak/{initiative.pk}/mal/nytt/", data).status_code == 302
    assert TrainingTarget.objects.count() == 1
    assert {t.training_target_id for t in Target.objects.all()} == {linked.pk}


def test_a_course_target_shows_the_training_plans_progress(
    org: Org, initiative: Initiative
) -> None:
    from django.test import override_settings

    from veikart.organisations.models import Employee
    from veikart.roadmaps import selectors
    from veikart.roadmaps.constants import Status
    from veikart.trainings.models import Enrolment, Session

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
    target = make_target(
        initiative,
        kind=TargetKind.COURSE_SHARE,
        metric="",
        course=course,
        threshold=Decimal(50),
        due_date=dt.date(2020, 3, 31),
    )
    with override_settings(MIN_GROUP_SIZE=5):
        state = selectors.target_state(org.kari, target, today=dt.date(2020, 4, 15))
    assert state.status == Status.MET  # 5 of the 7 by the due date
    assert state.value == pytest.approx(100 * 5 / 7)
    assert "71" in state.sentence
    with override_settings(MIN_GROUP_SIZE=10):
        hidden = selectors.target_state(org.kari, target, today=dt.date(2020, 4, 15))
    assert hidden.status == Status.HIDDEN and hidden.value is None


def test_editing_and_deleting_a_target(org: Org, initiative: Initiative) -> None:
    target = make_target(initiative)
    client = client_for(org.kari)
    edited = client.post(
        f"/veikart/mal/{target.pk}/endre/",
        target_data(population="unit", unit=str(Unit.objects.get(code="110").pk)),
    )
    assert edited.status_code == 302
    target.refresh_from_db()
    assert target.population == Population.UNIT and target.unit is not None
    assert client.post(f"/veikart/mal/{target.pk}/slett/").status_code == 302
    assert not Target.objects.exists()
    assert AuditEvent.objects.filter(action="roadmap.target.delete").exists()


def test_every_page_renders_for_the_programme_lead(org: Org, initiative: Initiative) -> None:
    plant(org, [40, 50, 64])
    target = make_target(initiative)
    milestone = Milestone.objects.create(initiative=initiative, date=dt.date(2020, 1, 1), text="X")
    client = client_for(org.kari)
    for url in (
        "/veikart/",
        "/veikart/tiltak/nytt/",
        f"/veikart/tiltak/{initiative.pk}/",
        f"/veikart/tiltak/{initiative.pk}/endre/",
        f"/veikart/tiltak/{initiative.pk}/slett/",
        f"/veikart/tiltak/{initiative.pk}/mal/nytt/",
        f"/veikart/mal/{target.pk}/",
        f"/veikart/mal/{target.pk}/endre/",
        f"/veikart/mal/{target.pk}/slett/",
        f"/veikart/milepaeler/{milestone.pk}/endre/",
    ):
        assert client.get(url).status_code == 200, url
    assert client.get("/veikart/tiltak/999/").status_code == 404
    assert client.get("/veikart/mal/999/").status_code == 404
