"""Decide, as a new user tries it: Ida (IT) imports the Moss and the Rygge inventories through the
upload form, sees the overlaps, records a decision from the matrix and downloads the matrix for
the steering group. Every page passes the accessibility check."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility, new_context, sign_in

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

    from tests.conftest import Org

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A Norwegian browser page that may download files."""
    context = new_context(browser, accept_downloads=True)
    try:
        yield context.new_page()
    finally:
        context.close()


def inventory_files(tmp_path: Path) -> list[dict[str, Any]]:
    """The simulator's systemer.csv split into one file per former organisation."""
    from veikart.demo.simulator.config import SimulationConfig
    from veikart.demo.simulator.programme import write_systems

    write_systems(SimulationConfig(employees=3500), tmp_path)
    lines = (tmp_path / "systems" / "systemer.csv").read_bytes().decode("utf-8-sig").splitlines()
    files = []
    for former in ("moss", "rygge"):
        rows = [lines[0], *(line for line in lines[1:] if line.startswith(f"{former};"))]
        data = ("\ufeff" + "\r\n".join(rows) + "\r\n").encode("utf-8")
        files.append({"name": f"{former}.csv", "mimeType": "text/csv", "buffer": data})
    return files


def test_import_two_inventories_see_the_overlaps_decide_and_export(
    page: Page, live_org: Org, live_server: Any, tmp_path: Path
) -> None:
    from veikart.systems.models import Decision, System

    base = live_server.url
    sign_in(page, base, "ida")
    page.goto(f"{base}/systemer/")
    check_accessibility(page)
    expect(page.locator("#empty")).to_be_visible()

    # Import both inventories in one upload; the preview shows the overlaps before saving.
    page.click("#import-link")
    check_accessibility(page)
    page.set_input_files("input[name=files]", files=inventory_files(tmp_path))  # type: ignore[arg-type]
    with page.expect_navigation():
        page.click("#import-form button[type=submit]")
    expect(page.locator("#overlap-count")).to_have_text("12")
    expect(page.locator("#needed-count")).to_have_text("12")
    expect(page.locator("#needed-list")).to_contain_text("Public 360")
    check_accessibility(page)
    assert System.objects.count() == 0
    with page.expect_navigation():
        page.click("#apply-form button[type=submit]")
    assert page.url.endswith("/systemer/matrise/")
    expect(page.locator(".ds-alert[data-color=success]")).to_be_visible()
    expect(page.locator("#row-sak_arkiv")).to_contain_text("ePhorte")
    check_accessibility(page)

    # Decide from the matrix: Public 360 is replaced with Elements.
    public = System.objects.get(name="Public 360")
    page.click(f"#row-sak_arkiv a[href*='/systemer/{public.pk}/beslutning/']")
    check_accessibility(page)
    page.check("input[name=kind][value=replace]")
    page.fill("input[name=replacement]", "Elements")
    page.fill("input[name=decided_on]", "2018-11-20")
    page.select_option("select[name=status]", "done")
    page.fill("input[name=milestone_date]", "2020-01-02")
    page.fill("input[name=milestone_text]", "Elements i drift")
    with page.expect_navigation():
        page.click("#decision-form button[type=submit]")
    assert "/systemer/matrise/" in page.url
    expect(page.locator("#row-sak_arkiv")).to_contain_text("Elements")
    decision = Decision.objects.get(system_name="Public 360")
    assert decision.kind == "replace" and decision.replacement == "Elements"
    expect(page.locator("#needed-count")).to_have_text("12")  # other systems still undecided

    # Download the matrix for the steering group.
    with page.expect_download() as download_info:
        page.click("#export-link")
    path = download_info.value.path()
    workbook = load_workbook(io.BytesIO(Path(path).read_bytes()))
    matrix = workbook.worksheets[0]
    rows = [[str(v or "") for v in row] for row in matrix.iter_rows(values_only=True)]
    archive = next(row for row in rows if "Public 360" in row[2])
    assert "Elements" in archive[2] and "ePhorte" in archive[1]
    assert workbook.worksheets[1].max_row - 1 == System.objects.count()
