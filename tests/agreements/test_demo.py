"""The demo's agreement: the simulator's arbeidsavtale.csv, published, with simulated
acknowledgements that are the same on every run."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Org
from veikart.agreements import selectors
from veikart.agreements.models import Acknowledgement
from veikart.agreements.services import load_demo_agreement
from veikart.demo.simulator.config import SimulationConfig
from veikart.demo.simulator.programme import AGREEMENT, write_roadmap


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write_roadmap(SimulationConfig(), tmp_path)
    return tmp_path


def test_it_publishes_the_simulators_agreement(org: Org, folder: Path) -> None:
    load_demo_agreement(folder)
    agreement = selectors.organisation_agreement()
    assert agreement is not None
    version = selectors.current_version(agreement)
    assert version is not None and version.number == 1 and version.requires_acknowledgement
    rules = selectors.rules_of(version)
    assert [(r.need, r.tool, r.example, r.not_for) for r in rules] == list(AGREEMENT)
    assert {r.need for r in rules if r.binding} == {
        "Saksbehandling og dokumenter som skal arkiveres",
        "Personopplysninger og helseopplysninger om brukere, elever og pasienter",
        "Sikker post til innbyggere",
    }
    assert version.effective_from is not None and version.effective_from.isoformat() == (
        "2020-01-01"
    )
    acknowledged = set(Acknowledgement.objects.values_list("employee__employee_number", flat=True))
    assert acknowledged, "some of the seven have read it"
    assert all(a.acknowledged_at.weekday() < 5 for a in Acknowledgement.objects.all())
    # Loading again changes nothing; loading afresh gives the same people.
    load_demo_agreement(folder)
    assert Acknowledgement.objects.count() == len(acknowledged)
    Acknowledgement.objects.all().delete()
    version.__class__.objects.filter(pk=version.pk).update(published_at=None)
    version.__class__.objects.filter(pk=version.pk).delete()
    agreement.delete()
    load_demo_agreement(folder)
    assert set(Acknowledgement.objects.values_list("employee__employee_number", flat=True)) == (
        acknowledged
    )


def test_it_refuses_a_file_without_the_columns(org: Org, tmp_path: Path) -> None:
    (tmp_path / "roadmap").mkdir()
    (tmp_path / "roadmap" / "arbeidsavtale.csv").write_text("nr;behov\n1;Chat\n", "utf-8")
    with pytest.raises(ValueError, match="verktøy"):
        load_demo_agreement(tmp_path)
    assert selectors.organisation_agreement() is None
