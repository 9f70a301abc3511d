"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Chromium is never downloaded: the tests use ``/usr/bin/chromium`` (Debian's ``chromium``
package) and skip without it, unless ``VEIKART_REQUIRE_BROWSER=1`` demands that they run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

    from tests.conftest import Org

# Playwright's sync API drives its own asyncio event loop from the main thread, so while it is
# running Django sees a running event loop there and refuses ORM calls (SynchronousOnlyOperation)
# — including the ones the tests, their fixtures and pytest-django's database flush make from the
# main thread. No coroutine ever touches the ORM here: the live server answers requests in its
# own thread, and the main thread only blocks on the browser between ORM calls. Tell Django so.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = frozenset({"serious", "critical"})
TIMEOUT_MS = 20_000  # only reached when something is wrong; a loaded CI machine is slow


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        if os.environ.get("VEIKART_REQUIRE_BROWSER") == "1":
            pytest.fail(
                f"VEIKART_REQUIRE_BROWSER=1 but {CHROMIUM} does not exist: install Debian's "
                "chromium package (apt-get install chromium)."
            )
        pytest.skip(
            f"{CHROMIUM} not found: install Debian's chromium package to run the browser tests"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def new_context(browser: Browser, **options: Any) -> BrowserContext:
    """A browser context as every browser test uses: Norwegian, the Content-Security-Policy in
    force (its violations collected for check_accessibility), the shared timeout."""
    context = browser.new_context(locale="nb-NO", **options)
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(CSP_LISTENER)
    return context


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page with its own cookies, asking for Norwegian like a browser in Moss would."""
    context = new_context(browser)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def live_org(transactional_db: None, org: Org, live_server: Any) -> Org:
    """The personas, committed so that the live server's thread sees them.

    ``transactional_db`` comes first so that ``org`` (which asks for ``db``) is created in a
    database that is really committed and flushed afterwards, not in a rolled-back transaction.
    """
    return org


def sign_in(page: Page, base_url: str, username: str) -> None:
    from tests.conftest import PASSWORD

    page.goto(f"{base_url}/logg-inn/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form:has(input[name=password]) button[type=submit]")
    assert "/logg-inn/" not in page.url, f"{username} could not sign in"


# Collects what the Content-Security-Policy blocked on the page (init scripts are exempt from it).
CSP_LISTENER = """window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(
  `${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`
  + ` at ${e.sourceFile}:${e.lineNumber}`));"""


def check_accessibility(page: Page) -> None:
    """Run axe-core on the page; fail on any WCAG 2.1 A/AA violation that is serious or worse,
    and on anything the Content-Security-Policy blocked on it."""
    blocked = page.evaluate("window.__cspViolations || []")
    if blocked:
        pytest.fail(f"Content-Security-Policy violations on {page.url}:\n" + "\n".join(blocked))
    # Evaluated, not added as a <script> tag: the policy refuses inline scripts.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    results = page.evaluate(
        """(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})""", AXE_TAGS
    )
    blocking = [v for v in results["violations"] if v.get("impact") in BLOCKING_IMPACTS]
    if blocking:
        lines = []
        for violation in blocking:
            targets = [" ".join(str(t) for t in node["target"]) for node in violation["nodes"][:3]]
            lines.append(
                f"- {violation['id']} ({violation['impact']}): {violation['help']}; "
                f"{len(violation['nodes'])} element(s), e.g. {', '.join(targets)}"
            )
        pytest.fail(f"Accessibility violations on {page.url}:\n" + "\n".join(lines))
    # axe only lists a reference to a missing id as "needs review"; for server-rendered pages
    # it is always a bug (the description or label is never announced), so it fails here too.
    dangling = page.evaluate(DANGLING_REFERENCES)
    if dangling:
        pytest.fail(
            f"References to ids that do not exist on {page.url}:\n"
            + "\n".join(f"- {element} {attribute}={ref!r}" for element, attribute, ref in dangling)
        )


DANGLING_REFERENCES = """() => {
  const found = [];
  for (const attribute of ['aria-describedby', 'aria-labelledby', 'aria-controls', 'for']) {
    for (const element of document.querySelectorAll(`[${attribute}]`)) {
      for (const ref of element.getAttribute(attribute).split(/\\s+/).filter(Boolean)) {
        if (!document.getElementById(ref)) {
          const name = element.getAttribute('name');
          const where = element.tagName.toLowerCase() + (element.id ? '#' + element.id : '')
            + (name ? `[name=${name}]` : '');
          found.push([where, attribute, ref]);
        }
      }
    }
  }
  return found;
}"""
