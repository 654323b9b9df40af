"""The data-table helpers (portal/tables.py): columns from a macro's list, and each cell labelled by its column."""

from __future__ import annotations

from markupsafe import Markup, escape

from portal.tables import label_cells, table_columns


def test_columns_take_their_cell_label_from_the_header_text():
    columns = table_columns(
        [
            "Unit",
            Markup('<span class="visually-hidden">Age </span>0–6'),
            {"label": "Total", "class": "number"},
            {"label": "Actions", "hidden": True},
            {"label": Markup("<a href='/units/1'>Kauppakaari</a> (in Finnish)"), "cell_label": "Kauppakaari"},
            "",
        ]
    )
    assert [column.cell_label for column in columns] == ["Unit", "Age 0–6", "Total", None, "Kauppakaari", None]
    assert columns[2].css_class == "number"
    assert columns[3].hidden and not columns[3].blank
    assert columns[5].blank
    assert columns[0].label == Markup("Unit")


def test_a_plain_text_header_is_escaped():
    (column,) = table_columns(["<b>Unit</b> & co"])
    assert column.label == Markup("&lt;b&gt;Unit&lt;/b&gt; &amp; co")
    assert column.cell_label == "<b>Unit</b> & co"  # escaped again where it is written into an attribute


def test_cells_get_their_columns_label_and_roles():
    columns = table_columns(["Unit", "Chosen on", {"label": "Actions", "hidden": True}])
    body = Markup(
        '<tbody>\n<tr><th scope="row">A</th><td>1.12.2026</td><td><button>Cancel</button></td></tr>\n'
        "<tr><td>B</td><td class='x'>2.12.2026</td></tr></tbody>"
    )
    assert label_cells(body, columns) == Markup(
        '<tbody role="rowgroup">\n<tr role="row"><th scope="row" role="rowheader">A</th>'
        '<td data-label="Chosen on" role="cell">1.12.2026</td><td role="cell"><button>Cancel</button></td></tr>\n'
        '<tr role="row"><td data-label="Unit" role="cell">B</td>'
        '<td class=\'x\' data-label="Chosen on" role="cell">2.12.2026</td></tr></tbody>'
    )


def test_spanned_columns_are_counted_and_footers_labelled():
    columns = table_columns(["Unit", "Municipality", "Provider", "0–6", "Total"])
    body = Markup('<tfoot><tr><th scope="row" colspan="3">All units</th><td>4</td><td>9</td></tr></tfoot>')
    labelled = label_cells(body, columns, roles=False)
    assert labelled == Markup(
        '<tfoot><tr><th scope="row" colspan="3">All units</th>'
        '<td data-label="0–6">4</td><td data-label="Total">9</td></tr></tfoot>'
    )


def test_what_a_cell_already_says_wins_and_extra_cells_get_no_label():
    columns = table_columns(["Unit"])
    body = Markup('<tr><td data-label="Own" role="presentation">x</td><td>y</td></tr>')
    assert label_cells(body, columns) == Markup(
        '<tr role="row"><td data-label="Own" role="presentation">x</td><td role="cell">y</td></tr>'
    )


def test_labels_are_escaped_and_escaped_content_is_never_rewritten():
    columns = table_columns(['Say "hi" <now>', "Note"])
    hostile = escape('<td onclick="x"><tr>')  # a value as a template interpolates it
    body = Markup("<tr><td>") + hostile + Markup("</td><td>") + hostile + Markup("</td></tr>")
    labelled = label_cells(body, columns, roles=False)
    assert labelled == Markup(
        '<tr><td data-label="Say &#34;hi&#34; &lt;now&gt;">&lt;td onclick=&#34;x&#34;&gt;&lt;tr&gt;</td>'
        '<td data-label="Note">&lt;td onclick=&#34;x&#34;&gt;&lt;tr&gt;</td></tr>'
    )


def test_thead_and_similar_tags_are_left_alone():
    columns = table_columns(["Unit"])
    body = Markup("<thead><tr><th>Unit</th></tr></thead><track><tbody><textarea></textarea></tbody>")
    assert label_cells(body, columns) == Markup(
        '<thead><tr role="row"><th role="columnheader">Unit</th></tr></thead><track>'
        '<tbody role="rowgroup"><textarea></textarea></tbody>'
    )


def test_plain_text_is_escaped_rather_than_read_as_rows():
    columns = table_columns(["Unit"])
    assert label_cells("<tr><td>x</td></tr>", columns) == Markup("&lt;tr&gt;&lt;td&gt;x&lt;/td&gt;&lt;/tr&gt;")
