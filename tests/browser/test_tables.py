"""Tables on a phone (templates/components/table.html, portal/tables.py): at 320 px a stacked table shows each cell's
column label and a screen reader still gets a table, with each label read once (from the column header, not again
from the visible label). That every stacked cell on every page shows its label is checked with the reflow checks
(tables.js, run by test_reflow.py on every page)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from tests.browser.pages import LANGUAGES, log_in, with_language

pytestmark = pytest.mark.browser
on_sqlite = pytest.mark.parametrize("live_server", ["sqlite"], indirect=True)

FIND_BARE_CELLS = (Path(__file__).parent / "tables.js").read_text()
WCAG21AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}}
axe = Axe()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 320, "height": 640})
    yield context.new_page()
    context.close()


def ax_cells(page: Page, selector: str) -> list[tuple[str, str, str, str]]:
    """(data-label, the cell's own text, its role and its accessible name in Chromium's accessibility tree) for each
    cell matching `selector`: what a screen reader is given, not what the page's markup says."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("Accessibility.enable")
    root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
    cells = []
    for node_id in cdp.send("DOM.querySelectorAll", {"nodeId": root, "selector": selector})["nodeIds"]:
        attributes = cdp.send("DOM.getAttributes", {"nodeId": node_id})["attributes"]
        label = dict(zip(attributes[::2], attributes[1::2], strict=True)).get("data-label", "")
        ax = cdp.send("Accessibility.getPartialAXTree", {"nodeId": node_id, "fetchRelatives": False})["nodes"][0]
        own = cdp.send("DOM.resolveNode", {"nodeId": node_id})["object"]["objectId"]
        text = cdp.send(
            "Runtime.callFunctionOn",
            {
                "objectId": own,
                "functionDeclaration": "function () { return this.innerText.trim().replace(/\\s+/g, ' '); }",
                "returnByValue": True,
            },
        )["result"]["value"]
        cells.append((label, text, ax["role"]["value"], " ".join(ax.get("name", {}).get("value", "").split())))
    cdp.detach()
    return cells


@on_sqlite
def test_stacked_cells_show_their_label_and_read_it_once(phone: Page, live_server):
    log_in(phone, live_server.url, "olli.jarjestaja", "staff")
    failures = []
    for language in LANGUAGES:
        phone.goto(live_server(with_language("/organiser/catalogue", language)))
        records = phone.locator("#records")
        expect(records).to_have_css("display", "block")  # stacked
        expect(records.locator("thead")).to_have_css("position", "absolute")  # its header row out of sight
        failures += phone.evaluate(FIND_BARE_CELLS)
        # Still a table to a screen reader, with its column headers, however CSS lays it out.
        expect(phone.get_by_role("table", name=phone.locator("#records-caption").inner_text())).to_be_visible()
        expect(records.get_by_role("columnheader")).to_have_count(5)
        cells = ax_cells(phone, ".table--stack td[data-label]:not(:empty)")
        assert len(cells) >= 10
        for label, text, role, name in cells:
            assert phone.locator(f'.table--stack td[data-label="{label}"]').first.is_visible()
            if role != "cell" or name != text:
                failures.append(f"{language}: a cell labelled {label!r} ({text!r}) is a {role} named {name!r}")
        results = axe.run(phone, options=WCAG21AA)
        if results.violations_count:
            failures.append(f"{language} at 320 px:\n{results.generate_report()}")
    assert not failures, "\n".join(failures)


def test_the_label_checker_finds_bare_and_wrong_labels(phone: Page):
    """Guard against a check that passes everything: a stacked cell without a label, or with another column's,
    fails; a labelled one, an empty one and a column of buttons under a hidden header pass."""
    phone.set_content(
        '<html lang="en"><head><style>'
        "table, tbody, tr, td, th { display: block } thead { position: absolute; clip: rect(0 0 0 0) }"
        '.hidden { position: absolute; clip: rect(0 0 0 0) } td[data-label]::before { content: attr(data-label) / "" }'
        "</style></head><body><main>"
        '<table id="t"><thead><tr><th scope="col">Unit</th><th scope="col">Chosen on</th><th scope="col">Status</th>'
        '<th scope="col"><span class="hidden">Actions</span></th></tr></thead><tbody>'
        '<tr><th scope="row">A</th><td data-label="Chosen on">1.12.2026</td><td data-label="Status">In effect</td>'
        "<td><button>Cancel A</button></td></tr>"
        '<tr><th scope="row">B</th><td>2.12.2026</td><td data-label="Chosen on">Ended</td><td></td></tr>'
        "</tbody></table></main></body></html>"
    )
    problems = phone.evaluate(FIND_BARE_CELLS)
    assert len(problems) == 2, problems
    assert '"2.12.2026": stacked without its column\'s label ("Chosen on")' in problems[0]
    assert '"Ended": labelled "Chosen on", but its column is "Status"' in problems[1]
