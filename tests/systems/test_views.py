"""The systems pages and API: who may do what, the web import, decisions, the matrix, the export."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from tests.conftest import Org
from tests.systems.conftest import read_file, rows_of
from veikart.core.models import AuditEvent
from veikart.organisations.services import UploadedFile
from veikart.systems import services
from veikart.systems.constants import Category, DecisionKind, DecisionStatus
from veikart.systems.models import Decision, System


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def client_for(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def loaded(org: Org, inventories: list[UploadedFile]) -> Org:
    services.apply_import(org.organisation, inventories)  # type: ignore[arg-type]
    return org


def upload(client: Client, files: list[UploadedFile], **extra: str) -> object:
    payload = [io.BytesIO(f.data) for f in files]
    for handle, file in zip(payload, files, strict=True):
        handle.name = file.name
    return client.post(reverse("systems:import"), {"files": payload, **extra})


# --- Access ------------------------------------------------------------------------------------


def test_it_lets_it_the_programme_lead_and_the_executive_in_and_refuses_the_others(
    loaded: Org, executive: User
) -> None:
    system = System.objects.get(name="ePhorte")
    read_only = [
        reverse("systems:list"),
        reverse("systems:matrix"),
        reverse("systems:detail", args=[system.pk]),
        reverse("systems:export"),
        "/api/v1/systems/systems",
        "/api/v1/systems/decisions",
    ]
    editing = [
        reverse("systems:import"),
        reverse("systems:create"),
        reverse("systems:edit", args=[system.pk]),
        reverse("systems:decision", args=[system.pk]),
        reverse("systems:delete", args=[system.pk]),
        reverse("systems:template", args=["mal-systemer.csv"]),
    ]
    for user in (loaded.ida, loaded.kari):
        client = client_for(user)
        for url in read_only + editing:
            assert client.get(url).status_code == 200, (user, url)
    reader = client_for(executive)
    for url in read_only:
        assert reader.get(url).status_code == 200, url
    for url in editing:
        assert reader.get(url).status_code == 403, url
    for user in (loaded.nils, loaded.ola, loaded.per, loaded.dina):
        client = client_for(user)
        for url in read_only + editing:
            assert client.get(url).status_code == 403, (user, url)
    assert Client().get(reverse("systems:list")).status_code == 302  # to the sign-in page


def test_the_executive_cannot_post_a_decision(loaded: Org, executive: User) -> None:
    system = System.objects.get(name="ePhorte")
    response = client_for(executive).post(
        reverse("systems:decision", args=[system.pk]),
        {"kind": "keep", "decided_on": "2019-01-01", "status": "planned"},
    )
    assert response.status_code == 403 and not Decision.objects.exists()


# --- The web import ----------------------------------------------------------------------------


def test_two_inventories_uploaded_together_are_previewed_with_overlaps_then_applied(
    org: Org, inventories: list[UploadedFile]
) -> None:
    client = client_for(org.ida)
    response = upload(client, inventories)
    assert response.status_code == 200  # type: ignore[attr-defined]
    html = response.content.decode()  # type: ignore[attr-defined]
    assert System.objects.count() == 0
    assert 'id="overlap-count">12<' in html and 'id="needed-count">12<' in html
    assert "Case management and archive" in html and "ePhorte" in html
    plan = response.context["plan"]  # type: ignore[attr-defined]
    applied = client.post(
        reverse("systems:import-apply"),
        {"token": response.context["token"], "fingerprint": plan.fingerprint()},  # type: ignore[attr-defined]
    )
    assert applied.status_code == 302 and applied["Location"] == reverse("systems:matrix")
    assert System.objects.count() == plan.count("created", "system")
    again = upload(client, inventories)
    assert 'id="no-changes"' in again.content.decode()  # type: ignore[attr-defined]
    assert 'id="apply-form"' not in again.content.decode()  # type: ignore[attr-defined]


def test_a_bad_file_shows_every_problem_and_offers_nothing_to_apply(org: Org) -> None:
    file = UploadedFile(
        "systemer.csv",
        "tidligere_organisasjon;navn;kategori;årlig_kostnad_nok\r\n"
        "halden;ePhorte;sak/arkiv;10\r\nmoss;Visma;lønnsting;-1\r\n".encode(),
    )
    response = upload(client_for(org.kari), [file])
    assert response.status_code == 400  # type: ignore[attr-defined]
    html = response.content.decode()  # type: ignore[attr-defined]
    assert "3 problems must be fixed. Nothing will be changed." in html
    assert "systemer.csv, line 2, column tidligere_organisasjon" in html
    assert "systemer.csv, line 3, column kategori" in html
    assert "systemer.csv, line 3, column årlig_kostnad_nok" in html
    assert 'id="apply-form"' not in html and not System.objects.exists()


def test_an_unreadable_upload_is_shown_on_the_upload_page(org: Org) -> None:
    response = upload(
        client_for(org.kari), [UploadedFile("ansatte.csv", b"ansattnummer;fornavn\r\n1;A\r\n")]
    )
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert "is an HR export" in response.content.decode()  # type: ignore[attr-defined]


def test_applying_a_stale_preview_is_refused(loaded: Org, simulated_systems: Path) -> None:
    client = client_for(loaded.ida)
    response = upload(client, [read_file(simulated_systems, "beslutninger.csv")])
    plan = response.context["plan"]  # type: ignore[attr-defined]
    System.objects.filter(name="ePhorte").delete()  # someone else changed the inventory
    applied = client.post(
        reverse("systems:import-apply"),
        {"token": response.context["token"], "fingerprint": plan.fingerprint()},  # type: ignore[attr-defined]
    )
    assert applied.status_code == 409 and not Decision.objects.exists()


def test_the_templates_can_be_filled_in_and_imported(org: Org) -> None:
    client = client_for(org.ida)
    inventory = client.get(reverse("systems:template", args=["mal-systemer.csv"])).content
    decisions = client.get(reverse("systems:template", args=["mal-beslutninger.csv"])).content
    plan = services.apply_import(
        org.organisation,  # type: ignore[arg-type]
        [UploadedFile("s.csv", inventory), UploadedFile("b.csv", decisions)],
    )
    assert plan.count("created", "decision") == 1
    assert client.get(reverse("systems:template", args=["nope.csv"])).status_code == 404


# --- Decisions ---------------------------------------------------------------------------------


def decide(client: Client, system: System, **data: str) -> object:
    payload = {"kind": "keep", "decided_on": "2019-02-19", "status": "planned", **data}
    return client.post(reverse("systems:decision", args=[system.pk]), payload)


def test_a_decision_covers_the_product_in_both_former_organisations(loaded: Org) -> None:
    svarut = System.objects.filter(name="KS SvarUt")
    assert svarut.count() == 2
    response = decide(client_for(loaded.ida), svarut[0], kind="merge", owner="Arkivleder")
    assert response.status_code == 302  # type: ignore[attr-defined]
    decision = Decision.objects.get()
    assert decision.kind == DecisionKind.MERGE and decision.systems.count() == 2
    assert decision.updated_by == loaded.ida
    assert AuditEvent.objects.filter(action="systems.decision.save").exists()


def test_replacing_with_teams_adds_teams_for_the_merged_organisation(loaded: Org) -> None:
    skype = System.objects.get(name="Skype for Business Server 2015")
    client = client_for(loaded.ida)
    response = decide(
        client,
        skype,
        kind="replace",
        replacement="Microsoft Teams",
        rationale="Chat og møter i Teams.",
        status="in_progress",
        milestone_date="2020-06-30",
        milestone_text="Skype slått av",
    )
    assert response.status_code == 302  # type: ignore[attr-defined]
    teams = System.objects.get(name="Microsoft Teams", former_organisation=None)
    assert teams.is_m365_workload and teams.category == Category.COLLABORATION
    decision = Decision.objects.get(system_name=skype.name)
    assert list(decision.replacement_systems.all()) == [teams]
    lync = System.objects.get(name="Microsoft Lync Server 2013")
    decide(client, lync, kind="replace", replacement="microsoft teams")
    assert System.objects.filter(name__iexact="Microsoft Teams").count() == 1
    page = client.get(reverse("systems:matrix")).content.decode()
    assert "(replaces Microsoft Lync Server 2013, Skype for Business Server 2015)" in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "replace"}, "replacement", "must name the system that replaces it"),
        ({"kind": "keep", "replacement": "Teams"}, "replacement", "Only a replacement decision"),
        ({"kind": "replace", "replacement": "epHorte"}, "replacement", "replaced by itself"),
        ({"decided_on": "2999-01-01"}, "decided_on", "is in the future"),
        ({"decided_on": ""}, "decided_on", "This field is required"),
        ({"milestone_date": "2019-01-01"}, "milestone_date", "is before the decision date"),
        ({"kind": "postpone"}, "kind", "Select a valid choice"),
    ],
)  # fmt: skip
def test_an_invalid_decision_is_explained_and_nothing_is_saved(
    loaded: Org, data: dict[str, str], field: str, message: str
) -> None:
    system = System.objects.get(name="ePhorte")
    response = decide(client_for(loaded.ida), system, **data)
    assert response.status_code == 400  # type: ignore[attr-defined]
    errors = response.context["form"].errors  # type: ignore[attr-defined]
    assert message in " ".join(errors[field])
    assert 'id="form-errors"' in response.content.decode()  # type: ignore[attr-defined]
    assert not Decision.objects.exists()


def test_todays_decision_is_accepted(loaded: Org) -> None:
    system = System.objects.get(name="ePhorte")
    today = timezone.localdate().isoformat()
    assert decide(client_for(loaded.kari), system, decided_on=today).status_code == 302  # type: ignore[attr-defined]


# --- Inventory pages ---------------------------------------------------------------------------


def test_the_inventory_filters_by_former_organisation_and_category_and_sorts(loaded: Org) -> None:
    client = client_for(loaded.ida)
    rygge = client.get(reverse("systems:list"), {"organisasjon": "rygge", "kategori": "sak_arkiv"})
    names = [s.name for s in rygge.context["systems"]]
    assert names == ["eInnsyn", "KS SvarUt", "Public 360"]
    by_cost = client.get(reverse("systems:list"), {"sorter": "cost"}).context["systems"]
    costs = [s.yearly_cost_nok for s in by_cost]
    assert costs == sorted(costs, reverse=True)
    by_category = client.get(reverse("systems:list"), {"sorter": "category"}).context["systems"]
    labels = [s.get_category_display() for s in by_category]
    assert labels[0] == "Case management and archive" and labels[-1] == "Technical services"


def test_a_system_can_be_created_edited_and_deleted(loaded: Org) -> None:
    client = client_for(loaded.ida)
    moss = loaded.organisation.former_organisations.get(code="moss")  # type: ignore[attr-defined]
    data = {
        "former_organisation": str(moss.pk),
        "name": "  Acos  Websak ",
        "vendor": "Acos",
        "category": "sak_arkiv",
        "users": "40",
        "dpa_status": "unknown",
        "integrations_text": "ePhorte\nKS SvarUt",
        "yearly_cost_nok": "120000",
    }
    created = client.post(reverse("systems:create"), data)
    system = System.objects.get(name="Acos Websak")
    assert created["Location"] == reverse("systems:detail", args=[system.pk])
    assert system.integrations == ["ePhorte", "KS SvarUt"]
    twice = client.post(reverse("systems:create"), {**data, "name": "acos websak"})
    assert twice.status_code == 400 and "already has a system called" in twice.content.decode()
    negative = client.post(
        reverse("systems:edit", args=[system.pk]), {**data, "yearly_cost_nok": "-1"}
    )
    assert negative.status_code == 400
    client.post(reverse("systems:edit", args=[system.pk]), {**data, "users": "55"})
    system.refresh_from_db()
    assert system.users == 55
    client.post(reverse("systems:delete", args=[system.pk]))
    assert not System.objects.filter(pk=system.pk).exists()
    assert AuditEvent.objects.filter(action="systems.system.delete").exists()


# --- Matrix and export -------------------------------------------------------------------------


@pytest.fixture
def decided(loaded: Org, decisions_file: UploadedFile) -> Org:
    services.apply_import(loaded.organisation, [decisions_file])  # type: ignore[arg-type]
    return loaded


def test_the_matrix_lists_each_former_organisations_systems_and_the_merged_result(
    decided: Org,
) -> None:
    matrix = client_for(decided.ida).get(reverse("systems:matrix")).context["matrix"]
    labels = [row.label for row in matrix.rows]
    assert labels[0] == "Case management and archive" and len(labels) == len(Category) - 1
    assert [f.code for f in matrix.formers] == ["moss", "rygge"]
    archive = matrix.rows[0]
    moss, rygge = ([s.name for s in cell] for cell in archive.cells)
    assert "ePhorte" in moss and "Public 360" in rygge and "ePhorte" not in rygge
    merged = {e.name: e for e in archive.merged}
    assert merged["Elements"].replaces == ["ePhorte", "Public 360"]
    assert "ePhorte" not in merged and merged["KS SvarUt"].kind == "merge"
    collaboration = next(r for r in matrix.rows if r.category == Category.COLLABORATION)
    result = {e.name: e for e in collaboration.merged}
    assert {"Microsoft Teams", "OneDrive", "Exchange Online", "SharePoint Online"} <= set(result)
    assert result["OneDrive"].replaces == [
        "Filservere (Windows Server 2008 R2)",
        "Filservere (Windows Server 2012 R2)",
    ]
    assert matrix.overlaps.needing_decision == 0


def test_the_matrix_filters_by_status_and_shows_what_needs_a_decision(decided: Org) -> None:
    Decision.objects.filter(system_name="Public 360").delete()
    services.link_decisions(decided.organisation)  # type: ignore[arg-type]
    client = client_for(decided.ida)
    undecided = client.get(reverse("systems:matrix"), {"status": "undecided"})
    matrix = undecided.context["matrix"]
    assert [r.category for r in matrix.rows] == [Category.CASE_ARCHIVE]
    assert [[s.name for s in cell] for cell in matrix.rows[0].cells] == [[], ["Public 360"]]
    assert matrix.overlaps.needing_decision == 1
    html = undecided.content.decode()
    assert (
        "Decision needed" in html
        and reverse("systems:decision", args=[System.objects.get(name="Public 360").pk]) in html
    )
    done = client.get(reverse("systems:matrix"), {"status": DecisionStatus.DONE}).context["matrix"]
    for row in done.rows:
        for cell in row.cells:
            assert all(s.decision.status == DecisionStatus.DONE for s in cell)


def test_the_excel_export_holds_the_matrix_the_inventory_and_the_decisions(decided: Org) -> None:
    response = client_for(decided.kari).get(reverse("systems:export"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "systemmatrise-" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    matrix, inventory, decisions = workbook.worksheets
    assert matrix.freeze_panes == "B2" and inventory.freeze_panes == "B2"
    header = [c.value for c in matrix[1]]
    assert header[:3] == ["Category", "Moss kommune (til 2020)", "Rygge kommune (til 2020)"]
    assert header[3] == "Moss kommune (merged)"
    assert matrix.column_dimensions["B"].width >= 40
    archive = [str(c.value) for c in matrix[2]]
    assert archive[0] == "Case management and archive"
    assert "ePhorte — Replace with Elements" in archive[1]
    assert "Elements (replaces ePhorte, Public 360)" in archive[3]
    assert inventory.max_row - 1 == System.objects.count()
    assert decisions.max_row - 1 == Decision.objects.count()
    event = AuditEvent.objects.get(action="systems.export")
    assert event.actor == decided.kari and event.detail["systems"] == System.objects.count()


def test_an_exported_workbook_imports_back_without_a_change(decided: Org) -> None:
    for language in ("en", "nb"):
        with translation.override(language):
            client = client_for(decided.kari)
            client.cookies["django_language"] = language
            content = client.get(reverse("systems:export"), HTTP_ACCEPT_LANGUAGE=language).content
            plan = services.preview_import(
                decided.organisation,  # type: ignore[arg-type]
                [UploadedFile("systemmatrise.xlsx", content)],
            )
            assert plan.ok, [str(p) for p in plan.problems]
            assert plan.kinds == {"inventory", "decisions"} and plan.changes == []


# --- API ---------------------------------------------------------------------------------------


def test_the_api_lists_systems_and_decisions_for_readers_only(
    decided: Org, executive: User, simulated_systems: Path
) -> None:
    client = client_for(executive)
    systems = client.get("/api/v1/systems/systems", {"former_organisation": "moss"}).json()
    source = rows_of(read_file(simulated_systems, "systemer.csv"))
    assert len(systems) == sum(1 for r in source if r["tidligere_organisasjon"] == "moss")
    ephorte = next(s for s in systems if s["name"] == "ePhorte")
    assert ephorte["category"] == "sak_arkiv" and ephorte["former_organisation"] == "moss"
    decisions = client.get("/api/v1/systems/decisions").json()
    assert len(decisions) == Decision.objects.count()
    mail = next(
        d for d in decisions if d["system_name"].startswith("Microsoft Exchange Server 2013")
    )
    assert mail["kind"] == "replace" and mail["replacement"] == "Exchange Online"
    assert mail["system_ids"] and mail["replacement_system_ids"]
    assert client.get("/api/v1/systems/decisions", {"status": "done"}).status_code == 200
    assert client_for(decided.nils).get("/api/v1/systems/systems").status_code == 403
    assert client_for(decided.ola).get("/api/v1/systems/decisions").status_code == 403


def test_decision_dates_are_shown_in_norwegian_format(decided: Org) -> None:
    with translation.override("nb"):
        client = client_for(decided.ida)
        client.cookies["django_language"] = "nb"
        system = System.objects.get(name="ePhorte")
        decision = system.decision
        assert decision is not None and isinstance(decision.decided_on, dt.date)
        page = client.get(
            reverse("systems:detail", args=[system.pk]), HTTP_ACCEPT_LANGUAGE="nb"
        ).content.decode()
        assert decision.decided_on.strftime("%d.%m.%Y") in page


def test_a_renamed_system_keeps_its_decision(decided: Org) -> None:
    system = System.objects.get(name="Public 360")
    client = client_for(decided.ida)
    data = {
        "former_organisation": str(system.former_organisation_id),
        "name": "Public 360 (Tieto)",
        "category": system.category,
        "dpa_status": system.dpa_status,
    }
    assert client.post(reverse("systems:edit", args=[system.pk]), data).status_code == 302
    system.refresh_from_db()
    assert system.decision is not None and system.decision.system_name == "Public 360 (Tieto)"
    # A product both ran: renaming one of the two leaves the decision with the other.
    svarut = System.objects.filter(name="KS SvarUt").order_by("pk")[0]
    client.post(reverse("systems:edit", args=[svarut.pk]), {**data, "name": "SvarUt (KS)",
                "former_organisation": str(svarut.former_organisation_id)})  # fmt: skip
    svarut.refresh_from_db()
    assert svarut.decision is None
    assert Decision.objects.get(system_name="KS SvarUt").systems.count() == 1
