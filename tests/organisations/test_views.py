"""The organisation pages and the import through the web, as Kari the programme lead uses them."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from tests.conftest import Org
from tests.organisations.test_import import GOOD_ROWS, excel_csv, snapshot
from veikart.core.models import AuditEvent
from veikart.organisations.models import Employee, ImportRun


def signed_in(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def upload(rows: list[str], name: str = "ansatte.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, excel_csv(*rows).data, content_type="text/csv")


def test_the_tree_shows_headcounts_in_norwegian_order(org: Org) -> None:
    page = signed_in(org.kari).get("/organisasjon/?dato=2021-01-01").content.decode()
    helse, oppvekst, stab = (page.index(n) for n in ("Helse og omsorg", "Oppvekst", "Stab og"))
    assert helse < oppvekst < stab
    assert page.index("Jeløy skole") < page.index("Åsgård barnehage")


def test_the_tree_shows_the_pre_merger_units_on_a_date_before_the_merger(org: Org) -> None:
    page = signed_in(org.kari).get("/organisasjon/?dato=2019-06-01").content.decode()
    assert "Rygge skole" in page and "Glenne sykehjem" not in page


def test_the_employee_list_uses_norwegian_order_and_dates(org: Org) -> None:
    page = signed_in(org.kari).get("/organisasjon/ansatte/?dato=2021-01-01").content.decode()
    names = ["Aasen", "Ahmed", "Berg", "Hansen", "Nordmann", "Sæther", "Ødegård"]
    positions = [page.index(f"{n},") for n in names]
    # Aasen sorts as Åsen, last; the rest in Norwegian order.
    assert positions[1:-1] == sorted(positions[1:-1])
    assert positions[0] > positions[-1]


def test_kari_imports_through_the_web_with_a_preview_then_applies(org: Org) -> None:
    client = signed_in(org.kari)
    rows = list(GOOD_ROWS)
    rows[2] = rows[2].replace("Lærer", "Lektor")
    rows.append(
        "1010;Sigrún;Ødegård-Ali;sigrun.ali@moss.kommune.no;;Barnehagelærer;120;nei;1004;;;"
    )
    before = snapshot()
    preview = client.post(
        "/organisasjon/import/", {"files": [upload(rows)], "as_of": "2020-01-01", "full": "on"}
    )
    assert preview.status_code == 200
    page = preview.content.decode()
    assert 'id="summary"' in page and "Sigrún" in page and "Lærer → Lektor" in page
    assert snapshot() == before  # the preview wrote nothing

    context = preview.context
    applied = client.post(
        "/organisasjon/import/bruk/",
        {
            "token": context["token"],
            "fingerprint": context["plan"].fingerprint(),
            "as_of": "2020-01-01",
            "full": "1",
        },
    )
    assert applied.status_code == 302
    assert Employee.objects.get(employee_number="1010").family_name == "Ødegård-Ali"
    assert Employee.objects.get(employee_number="1003").title == "Lektor"
    run = ImportRun.objects.latest("created_at")
    assert run.created_by == org.kari and run.files[0]["name"] == "ansatte.csv"
    assert AuditEvent.objects.filter(action="organisation.import", actor=org.kari).exists()

    # The same upload cannot be applied twice.
    again = client.post(
        "/organisasjon/import/bruk/",
        {"token": context["token"], "fingerprint": "x", "as_of": "2020-01-01", "full": "1"},
    )
    assert again.status_code == 409 and "utløpt eller allerede lagret" in again.content.decode()


def test_a_bad_file_through_the_web_shows_every_problem_and_changes_nothing(org: Org) -> None:
    rows = [*GOOD_ROWS, "1011;Per;Lund;per.lund@moss.kommune.no;;;4711;nei;;;;"]
    before = snapshot()
    response = signed_in(org.kari).post(
        "/organisasjon/import/", {"files": [upload(rows)], "as_of": "2020-01-01", "full": "on"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "ansatte.csv, linje 9: ukjent enhetskode 4711" in page
    assert "/import/bruk/" not in page  # no way to apply
    assert snapshot() == before


def test_another_user_cannot_apply_kari_s_upload(org: Org) -> None:
    preview = signed_in(org.kari).post(
        "/organisasjon/import/",
        {"files": [upload(list(GOOD_ROWS))], "as_of": "2020-01-01", "full": "on"},
    )
    response = signed_in(org.ida).post(
        "/organisasjon/import/bruk/",
        {
            "token": preview.context["token"],
            "fingerprint": preview.context["plan"].fingerprint(),
            "as_of": "2020-01-01",
            "full": "1",
        },
    )
    assert response.status_code == 409


def test_the_templates_download_and_read_back_as_valid_imports(org: Org) -> None:
    client = signed_in(org.ida)
    workbook = client.get("/organisasjon/import/mal.xlsx")
    assert workbook.status_code == 200
    sheets = load_workbook(io.BytesIO(b"".join(workbook.streaming_content))).sheetnames  # type: ignore[attr-defined]
    assert sheets == ["Enheter", "Ansatte"]
    csv = b"".join(client.get("/organisasjon/import/mal-ansatte.csv").streaming_content)  # type: ignore[attr-defined]
    assert csv.startswith(b"\xef\xbb\xbfansattnummer;fornavn;etternavn;brukernavn")
    assert client.get("/organisasjon/import/mal-ukjent.csv").status_code == 404


def test_the_home_page_shows_the_five_areas(org: Org) -> None:
    page = signed_in(org.kari).get("/").content.decode()
    for path in ("decide", "plan", "train", "measure", "evaluate"):
        assert f"/omrade/{path}/" in page


def test_dates_follow_norwegian_conventions_and_english_is_available(org: Org) -> None:
    client = signed_in(org.kari)
    orjan = Employee.objects.get(employee_number="1003")
    page = client.get(f"/organisasjon/ansatte/{orjan.pk}/").content.decode()
    assert "01.08.2015" in page and "Ansattnummer" in page
    client.post("/sprak/", {"language": "en", "next": "/"})
    page = client.get(f"/organisasjon/ansatte/{orjan.pk}/").content.decode()
    assert "2015-08-01" in page and "Employee number" in page


def test_a_preview_without_changes_offers_nothing_to_apply(org: Org) -> None:
    response = signed_in(org.kari).post(
        "/organisasjon/import/",
        {"files": [upload(list(GOOD_ROWS))], "as_of": "2020-01-01", "full": "on"},
    )
    page = response.content.decode()
    assert 'id="no-changes"' in page and "/import/bruk/" not in page
