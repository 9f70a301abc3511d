import pytest
from tests.browser.conftest import AXE, check_accessibility, sign_in

pytestmark = pytest.mark.browser

def dump(page):
    page.add_script_tag(path=str(AXE))
    r = page.evaluate("() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a','wcag2aa','wcag21a','wcag21aa']}})")
    print("\n", page.url, "passes", len(r["passes"]), "incomplete", [i["id"] for i in r["incomplete"]])
    for v in r["violations"]:
        print("  ", v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])

def test_probe(page, live_org, live_server):
    page.set_content("<html><body><img src=x.png><input type=text></body></html>")
    with pytest.raises(pytest.fail.Exception) as e:
        check_accessibility(page)
    print(e.value)
    page.goto(live_server.url + "/logg-inn/"); dump(page)
    sign_in(page, live_server.url, "kari")
    for u in ["/", "/organisasjon/", "/organisasjon/ansatte/", "/organisasjon/import/", "/organisasjon/meg/"]:
        page.goto(live_server.url + u); dump(page)
