"""Tables on a phone (templates/components/table.html, portal/tables.py): at 320 px a stacked table shows each cell's
column label and a screen reader still gets a table, with each label read once (from the column header, not again
from the visible label); the comparison stays a table in which every value shows its unit's name and the row
headings stay in view while the units scroll sideways. That every stacked cell on every page shows its label is
checked with the reflow checks (tables.js, run by test_reflow.py on every page)."""

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
# Whether an element, scrolled to the top of the viewport (only as far sideways as it must be), is what the page
# shows at its middle (near its top, for a tall one): nothing covers it.
UNCOVERED = """e => {
  e.scrollIntoView({block: 'start', inline: 'nearest'});
  const box = e.getBoundingClientRect();
  const hit = document.elementFromPoint(box.left + box.width / 2, box.top + Math.min(box.height / 2, 10));
  return !!hit && (hit === e || e.contains(hit));
}"""


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


def add_to_comparison(page: Page, live_server, count: int) -> None:
    page.goto(live_server("/units?kind=sote_centre&lang=fi"))
    for number in range(count):
        page.locator(".compare-control button").nth(number).click()
        expect(page.locator("#compare-tray")).to_contain_text(str(number + 1))


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


@on_sqlite
def test_the_comparison_keeps_each_value_with_its_unit_on_a_phone(phone: Page, live_server):
    add_to_comparison(phone, live_server, 4)
    failures = []
    for language in LANGUAGES:
        phone.goto(live_server(with_language("/compare", language)))
        table = phone.locator("table.compare-table")
        headers = table.locator("thead th[scope=col]")
        expect(headers).to_have_count(4)
        names = [header.inner_text() for header in headers.all()]
        rows = table.locator("tbody tr:visible")
        # Every value shows its unit's name above it (the column header's name, without a language note).
        for row in rows.all():
            for column, cell in enumerate(row.locator("td").all()):
                shown = cell.evaluate("c => getComputedStyle(c, '::before').content")
                label = cell.get_attribute("data-label") or ""
                if not (label and shown.startswith(f'"{label}"') and names[column].startswith(label)):
                    failures.append(f"{language}: column {column + 1} of {row.inner_text()[:40]!r} shows {shown}")
        # A screen reader hears the unit's name from the column header, once: not again from the visible name.
        for label, text, role, name in ax_cells(phone, ".compare-table tbody td"):
            if role != "cell" or label in name.removeprefix(text):
                failures.append(f"{language}: a cell of {label!r} ({text!r}) is a {role} named {name!r}")
        # Every row is whole to a screen reader: as many cells as the header row, so each value gets its own
        # unit's column header (a cell taken out of the layout would shift the units by one).
        widths = {
            sum(row.get_by_role(role).count() for role in ("cell", "columnheader", "rowheader"))
            for row in table.get_by_role("row").all()
        }
        if widths != {5}:
            failures.append(f"{language}: rows of {sorted(widths)} cells, not 5")
        # Scrolled to the last unit, each row's heading is still in view at the left, above the last unit's value,
        # which is whole in the region; neither is covered.
        region = phone.get_by_role("region", name=phone.locator("#compare-caption").inner_text())
        region.evaluate("r => { r.scrollLeft = r.scrollWidth; }")
        area = region.bounding_box()
        assert area and area["x"] >= 0 and area["x"] + area["width"] <= 320
        for row in rows.all():
            heading, last = row.locator("th[scope=row]"), row.locator("td").last
            heading_box, last_box = heading.bounding_box(), last.bounding_box()
            assert heading_box and last_box
            name = heading.inner_text()
            if not area["x"] - 1 <= heading_box["x"] <= area["x"] + 20:
                failures.append(f"{language}: {name!r} scrolled away ({heading_box['x']} px)")
            if heading_box["y"] + heading_box["height"] > last_box["y"] + 1:
                failures.append(f"{language}: the last unit's value is not below {name!r}")
            if last_box["x"] < area["x"] - 1 or last_box["x"] + last_box["width"] > area["x"] + area["width"] + 1:
                failures.append(f"{language}: the last unit's {name!r} is not whole in view ({last_box})")
            for element in (heading, last):
                if not element.evaluate(UNCOVERED):
                    failures.append(f"{language}: {element.inner_text()[:40]!r} is covered")
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
