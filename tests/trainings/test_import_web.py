"""The training import on the web, as Kari the programme lead uses it: upload, preview, confirm.
The same rules as the command: every problem with its file, line and column; all or nothing;
the same files twice change nothing. Pages are asked for in English: the messages are new."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from openpyxl import Workbook

from tests.conftest import Org
from tests.trainings.test_import import KURS, OKTER, PAMELDINGER, files, snapshot
from veikart.core.constants import Role
from veikart.core.models import AuditEvent
from veikart.core.services import grant_role
from veikart.trainings.models import Course, Enrolment, Session

IMPORT = "/opplaering/importer/"
APPLY = "/opplaering/importer/bekreft/"


def signed_in(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def upload(client: Client, *named: tuple[str, bytes]) -> Any:
    return client.post(IMPORT, {"files": [SimpleUploadedFile(n, d) for n, d in named]})


def the_three_files() -> list[tuple[str, bytes]]:
    return [(f.name, f.data) for f in files()]


def hidden(response: Any, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', response.content.decode())
    assert found, f"no hidden {name} in the page"
    return found.group(1).replace("&quot;", '"')


def confirm(client: Client, preview: Any) -> Any:
    return client.post(
        APPLY, {"token": hidden(preview, "token"), "expected": hidden(preview, "expected")}
    )


def test_only_the_programme_lead_and_administrators_may_import(org: Org) -> None:
    for user in (org.nils, org.ida, org.per, org.ola):
        client = signed_in(user)
        assert client.get(IMPORT).status_code == 403
        assert upload(client, *the_three_files()).status_code == 403
        assert client.post(APPLY, {"token": "x", "expected": "{}"}).status_code == 403
    assert snapshot() == []
    assert signed_in(org.kari).get(IMPORT).status_code == 200
    admin = User.objects.create_user("admin")
    grant_role(admin, Role.ADMIN)
    assert signed_in(admin).get(IMPORT).status_code == 200


def test_the_catalogue_links_to_the_import_for_the_programme_lead_only(org: Org) -> None:
    assert 'id="import-link"' in signed_in(org.kari).get("/opplaering/").content.decode()
    assert 'id="import-link"' not in signed_in(org.nils).get("/opplaering/").content.decode()


def test_the_preview_counts_what_will_change_and_writes_nothing(org: Org) -> None:
    response = upload(signed_in(org.kari), *the_three_files())
    assert response.status_code == 200
    rows = {label: (created, changed) for label, created, changed in response.context["summary"]}
    assert rows == {"Courses": (2, 0), "Sessions": (2, 0), "Enrolments": (5, 0)}
    assert 'id="apply-form"' in response.content.decode()
    assert snapshot() == []


def test_confirming_applies_everything_and_is_audited(org: Org) -> None:
    kari = signed_in(org.kari)
    preview = upload(kari, *the_three_files())
    response = confirm(kari, preview)
    assert response.status_code == 302 and response["Location"] == "/opplaering/"
    assert (Course.objects.count(), Session.objects.count(), Enrolment.objects.count()) == (2, 2, 5)
    event = AuditEvent.objects.get(action="training.import")
    assert event.actor == org.kari and event.detail["source"] == "web"
    assert event.detail["enrolment_created"] == 5
    assert [n.split(" ")[0] for n in event.detail["files"]] == [
        "kurs.csv",
        "kursokter.csv",
        "pameldinger.csv",
    ]


def test_the_same_files_uploaded_again_change_nothing(org: Org) -> None:
    kari = signed_in(org.kari)
    confirm(kari, upload(kari, *the_three_files()))
    before = snapshot()
    again = upload(kari, *the_three_files())
    html = again.content.decode()
    assert again.status_code == 200 and 'id="no-changes"' in html
    assert 'id="apply-form"' not in html
    assert all(created == changed == 0 for _label, created, changed in again.context["summary"])
    assert snapshot() == before
    assert AuditEvent.objects.filter(action="training.import").count() == 1


def test_confirming_twice_or_a_stale_preview_changes_nothing(org: Org) -> None:
    kari = signed_in(org.kari)
    first, second = upload(kari, *the_three_files()), upload(kari, *the_three_files())
    assert confirm(kari, first).status_code == 302
    after = snapshot()
    # The same confirmation again: the upload is gone once applied.
    replay = confirm(kari, first)
    assert replay.status_code == 409 and "Upload the file again" in replay.content.decode()
    # A preview made before the import was applied no longer says what would happen.
    stale = confirm(kari, second)
    assert stale.status_code == 409
    assert "has changed since the preview" in stale.content.decode()
    assert snapshot() == after
    assert AuditEvent.objects.filter(action="training.import").count() == 1


def test_someone_elses_upload_cannot_be_applied(org: Org) -> None:
    preview = upload(signed_in(org.kari), *the_three_files())
    admin = User.objects.create_user("admin")
    grant_role(admin, Role.ADMIN)
    assert confirm(signed_in(admin), preview).status_code == 409
    assert snapshot() == []


def test_every_problem_is_shown_with_file_line_and_column_and_nothing_is_staged(
    org: Org,
) -> None:
    kurs = KURS.replace("TEAMS-FIL;Filer i Teams;OneDrive;teams", "TEAMS-FIL;;OneDrive;fjernkurs")
    bad = files(pameldinger=PAMELDINGER + "OKT-1;9999;2020-02-05;møtt\r\n", kurs=kurs)
    response = upload(signed_in(org.kari), *((f.name, f.data) for f in bad))
    assert response.status_code == 400
    where = [(p.source, p.line, p.column) for p in response.context["result"].problems]
    assert where == [
        ("kurs.csv", 3, "tittel"),
        ("kurs.csv", 3, "format"),
        ("pameldinger.csv", 7, "ansattnummer"),
    ]
    html = response.content.decode()
    assert 'id="problem-list"' in html and "<td>ansattnummer</td>" in html
    assert 'id="apply-form"' not in html and 'name="token"' not in html
    assert snapshot() == []


def test_a_workbook_is_previewed_and_its_problems_name_the_sheet_and_row(org: Org) -> None:
    book = Workbook()
    book.remove(book.worksheets[0])
    for title, text in (("Kurs", KURS), ("Økter", OKTER), ("Påmeldinger", PAMELDINGER)):
        sheet = book.create_sheet(title)
        for line in text.strip().split("\r\n"):
            sheet.append(line.split(";"))
    sheet.append(["OKT-1", "9999", "2020-02-05", "møtt"])
    buffer = io.BytesIO()
    book.save(buffer)
    response = upload(signed_in(org.kari), ("opplaering.xlsx", buffer.getvalue()))
    assert response.status_code == 400
    [problem] = response.context["result"].problems
    assert (problem.source, problem.line, problem.column) == (
        "opplaering.xlsx [Påmeldinger]",
        7,
        "ansattnummer",
    )
    with translation.override("en"):
        assert str(problem).startswith("opplaering.xlsx [Påmeldinger], row 7, column ansattnummer:")
    sheet.delete_rows(7)
    buffer = io.BytesIO()
    book.save(buffer)
    kari = signed_in(org.kari)
    preview = upload(kari, ("opplaering.xlsx", buffer.getvalue()))
    assert preview.status_code == 200
    assert confirm(kari, preview).status_code == 302
    assert Enrolment.objects.count() == 5


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("bilde.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64), "is not a CSV file"),
        ("kurs.csv", b"\xef\xbb\xbfkode;tittel\r\n\xff\xfe;x\r\n", "is not a CSV file"),
        ("tom.csv", b"\xef\xbb\xbf\r\n", "is empty"),
        ("gammel.xls", b"\xd0\xcf\x11\xe0" + bytes(100), ".xls"),
        ("ansatte.csv", b"ansattnummer;fornavn\r\n1;Kari\r\n", "is not a training file"),
    ],
)
def test_a_file_of_the_wrong_kind_is_refused_with_what_to_do(
    org: Org, name: str, data: bytes, message: str
) -> None:
    response = upload(signed_in(org.kari), (name, data))
    assert response.status_code == 400
    problems = response.context["problems"]
    assert any(message in p and name in p for p in problems), problems
    assert "Nothing was changed" in response.content.decode()
    assert snapshot() == []


def test_an_empty_upload_is_refused_by_the_form(org: Org) -> None:
    response = upload(signed_in(org.kari), ("tom.csv", b""))
    assert response.status_code == 400
    assert response.context["form"].errors["files"] == ["The submitted file is empty."]
    assert snapshot() == []
