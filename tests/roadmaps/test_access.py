"""Who sees which figures of the roadmap, and who edits it — by persona, on the pages and through
the selectors alike."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from tests.conftest import Org
from tests.roadmaps.conftest import client_for, make_target, plant
from veikart.roadmaps import selectors
from veikart.roadmaps.constants import Population, Status
from veikart.roadmaps.models import Initiative, Target


@pytest.fixture
def targets(org: Org, initiative: Initiative) -> dict[str, Target]:
    plant(org, [50, 60, 61.5])
    plant(org, [70, 72, 73.5], breakdown="unit_subtree", unit="110")
    plant(org, [40, 42, 44.5], breakdown="unit_subtree", unit="200")
    plant(org, [80, 81, 82.5], breakdown="is_leader", attribute="true")
    return {
        "everyone": make_target(initiative, name="Alle"),
        "jeloy": make_target(initiative, name="Jeløy", population=Population.UNIT, unit="110"),
        "helse": make_target(initiative, name="Helse", population=Population.UNIT, unit="200"),
        "leaders": make_target(initiative, name="Ledere", leaders_only=True),
    }


def shown(user: User, targets: dict[str, Target]) -> dict[str, float | None]:
    return {
        key: state.value
        for key, state in zip(targets, selectors.target_states(user, targets.values()), strict=True)
        if state.shown
    }


@pytest.mark.parametrize("persona", ["kari", "ida"])
def test_the_programme_lead_and_it_see_every_targets_figures(
    org: Org, targets: dict[str, Target], persona: str
) -> None:
    assert shown(getattr(org, persona), targets) == {
        "everyone": 61.5,
        "jeloy": 73.5,
        "helse": 44.5,
        "leaders": 82.5,
    }


def test_a_unit_manager_sees_figures_for_their_units_and_the_whole_organisation_only(
    org: Org, targets: dict[str, Target]
) -> None:
    assert shown(org.ola, targets) == {"everyone": 61.5, "jeloy": 73.5}
    state = selectors.target_state(org.ola, targets["helse"])
    assert state.status is None and state.value is None and state.outlook is None


@pytest.mark.parametrize("persona", ["nils", "per", "dina"])
def test_employees_and_other_roles_see_the_targets_without_figures(
    org: Org, targets: dict[str, Target], persona: str
) -> None:
    assert shown(getattr(org, persona), targets) == {}


def test_a_unit_managers_page_shows_no_figure_of_another_units_target(
    org: Org, targets: dict[str, Target]
) -> None:
    page = client_for(org.ola).get(f"/veikart/mal/{targets['helse'].pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Helse" in text and "44,5" not in text and "42,0" not in text
    own = client_for(org.ola).get(f"/veikart/mal/{targets['jeloy'].pk}/").content.decode()
    assert "73,5" in own


def test_an_employee_sees_the_roadmap_without_any_figure(
    org: Org, targets: dict[str, Target], initiative: Initiative
) -> None:
    client = client_for(org.nils)
    for url in ("/veikart/", f"/veikart/tiltak/{initiative.pk}/"):
        page = client.get(url)
        assert page.status_code == 200
        text = page.content.decode()
        assert "Teams som hovedkanal" in text
        assert not any(v in text for v in ("61,5", "73,5", "44,5", "82,5"))


def test_someone_without_any_role_is_refused(db: None, org: Org) -> None:
    nobody = User.objects.create_user("nobody", password="x")
    assert client_for(nobody).get("/veikart/").status_code == 403


def test_signing_in_is_required(db: None) -> None:
    from django.test import Client

    page = Client().get("/veikart/")
    assert page.status_code == 302 and "/logg-inn/" in page["Location"]


@pytest.mark.parametrize("persona", ["ola", "nils", "ida"])
def test_only_the_programme_lead_and_administrators_edit_the_roadmap(
    org: Org, initiative: Initiative, targets: dict[str, Target], persona: str
) -> None:
    client = client_for(getattr(org, persona))
    urls = [
        "/veikart/tiltak/nytt/",
        f"/veikart/tiltak/{initiative.pk}/endre/",
        f"/veikart/tiltak/{initiative.pk}/mal/nytt/",
        f"/veikart/mal/{targets['everyone'].pk}/endre/",
        f"/veikart/mal/{targets['everyone'].pk}/slett/",
        f"/veikart/tiltak/{initiative.pk}/slett/",
    ]
    for url in urls:
        assert client.get(url).status_code == 403, url
        assert client.post(url, {}).status_code == 403, url
    assert Target.objects.count() == 4 and Initiative.objects.count() == 1


def test_the_overview_counts_only_the_statuses_the_user_may_see(
    org: Org, targets: dict[str, Target]
) -> None:
    make_target(targets["everyone"].initiative, name="Høy", threshold=Decimal(99))
    kari = dict(selectors.overview(org.kari).counts)
    ola = dict(selectors.overview(org.ola).counts)
    assert sum(kari.values()) == 5 and sum(ola.values()) == 3
    assert Status.NO_DATA in kari  # three weeks: no forecast yet


def test_a_unit_manager_sees_course_targets_on_their_own_units_only(
    org: Org, initiative: Initiative
) -> None:
    from veikart.roadmaps.constants import TargetKind
    from veikart.trainings.models import Course

    course = Course.objects.create(code="TEAMS-GK", title="Teams grunnkurs", duration_minutes=60)
    common = {"kind": TargetKind.COURSE_SHARE, "metric": "", "course": course}
    own = make_target(initiative, name="Jeløy", population=Population.UNIT, unit="110", **common)
    other = make_target(initiative, name="Helse", population=Population.UNIT, unit="200", **common)
    everyone = make_target(initiative, name="Alle", **common)
    states = selectors.target_states(org.ola, [own, other, everyone])
    assert [s.shown for s in states] == [True, False, False]
    assert states[0].status == Status.HIDDEN  # three people in Jeløy skole's subtree
    assert all(s.shown for s in selectors.target_states(org.kari, [own, other, everyone]))
