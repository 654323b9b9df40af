"""Data tables that keep their labels on a phone (templates/components/table.html).

Below 40rem a `.table--stack` table is laid out as one card per row (static/css/portal.css). Its header row is then
out of sight, so every data cell carries its column's label in `data-label`, which the CSS shows before the value.
The label is generated content with empty alternative text (`content: attr(data-label) / ""`): a screen reader
already hears the column header from the table, and would otherwise hear it twice. Because a CSS `display` other
than a table's can make a browser drop the table's semantics (Safari has), the tables carry their roles explicitly.

The labels are added here, from the same column list the macro renders the header row from, so no template writes a
label by hand and none can drift from its header. `label_cells` rewrites only the opening tags of rows and cells in
the rows a template wrote (the macro's caller): Jinja escapes everything interpolated into them, so a `<td` or a
`>` in the rewritten tags can only come from the template itself. Cells spanning columns (`colspan`) are counted;
`rowspan` is not supported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Column:
    label: Markup  # the header cell's content
    cell_label: str | None  # shown before each of the column's cells when stacked; None for no label
    css_class: str = ""
    hidden: bool = False  # the header is for screen readers only (e.g. a column of buttons that name themselves)

    @property
    def blank(self) -> bool:
        return not self.label


def table_columns(columns: Iterable[object]) -> list[Column]:
    """A macro's columns, each a label (text or markup) or a mapping with `label` and optionally `class`, `hidden`
    and `cell_label` (by default the label's text, e.g. "Age 0–6" for a header with a visually hidden "Age")."""
    result = []
    for spec in columns:
        options: Mapping[str, object] = spec if isinstance(spec, Mapping) else {"label": spec}
        label = escape(options.get("label") or "")
        hidden = bool(options.get("hidden", False))
        cell_label = options.get("cell_label")
        if cell_label is None and not hidden:
            cell_label = label.striptags() or None
        result.append(
            Column(
                label=label,
                cell_label=None if cell_label is None else str(cell_label),
                css_class=str(options.get("class") or ""),
                hidden=hidden,
            )
        )
    return result


_TAG = re.compile(r"<(tbody|tfoot|tr|td|th)(?=[\s>])([^>]*)>", re.IGNORECASE)
_COLSPAN = re.compile(r"""\bcolspan\s*=\s*["']?(\d+)""", re.IGNORECASE)
_ROW_SCOPE = re.compile(r"""\bscope\s*=\s*["']?row\b""", re.IGNORECASE)
_ROLES = {"tbody": "rowgroup", "tfoot": "rowgroup", "tr": "row", "td": "cell"}


def label_cells(body: str, columns: list[Column], roles: bool = True) -> Markup:
    """The table rows in `body` with each data cell labelled by its column (`data-label`) and, if `roles`, the
    table roles spelled out (`rowgroup`, `row`, `cell`, `rowheader`). Attributes a cell already has win. `body`
    is the markup a template wrote; plain text would be escaped, never read as tags."""
    # Worked on as plain text once escaped (slices of markup are markup): a Markup object and a format call per tag
    # cost 0.4 ms per 10 cells, the most expensive part of a 50-row queue page.
    markup = str(escape(body))
    labels = [str(escape(column.cell_label)) if column.cell_label else None for column in columns]
    pieces: list[str] = []
    done = 0
    column = 0
    for match in _TAG.finditer(markup):
        name, attributes = match.group(1).lower(), match.group(2)
        pieces.append(markup[done : match.end(2)])  # the template's own text up to the end of the tag's attributes
        if name == "tr":
            column = 0
        elif name in ("td", "th"):
            label = labels[column] if column < len(labels) else None
            if name == "td" and label and "data-label" not in attributes:
                pieces.append(f' data-label="{label}"')
            span = _COLSPAN.search(attributes)
            column += max(1, int(span.group(1))) if span else 1
        if roles and "role=" not in attributes:
            role = _ROLES.get(name)
            if name == "th":
                role = "rowheader" if _ROW_SCOPE.search(attributes) else "columnheader"
            if role:
                pieces.append(f' role="{role}"')
        pieces.append(">")
        done = match.end()
    pieces.append(markup[done:])
    # Every piece is a slice of the escaped body, or an attribute whose value is escaped above or fixed here.
    return Markup("".join(pieces))  # noqa: S704  only escaped or fixed text  # nosec B704
