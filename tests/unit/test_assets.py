import json
import logging

import pytest

from portal.assets import postcodes_data, tokens_css
from portal.compare.postcodes import postcodes, read_postcodes


def test_design_tokens_become_css_custom_properties():
    css = tokens_css(
        "$fi-color-brand-base: hsl(214, 100%, 24%);@mixin fi-text { font-size: 18px; }$fi-spacing-s: 10px;"
    )
    assert ":root{--fi-color-brand-base:hsl(214, 100%, 24%);--fi-spacing-s:10px;}" in css


def test_missing_tokens_fail_loudly():
    with pytest.raises(ValueError):
        tokens_css("nothing here")


def test_posti_records_become_the_compact_postcode_file(tmp_path, caplog):
    def record(postcode, code, town_fi, town_sv, name_fi, name_sv, type_code="1"):
        return {
            "postcode": postcode,
            "municipal_code": code,
            "postcode_fi_name": town_fi,
            "postcode_sv_name": town_sv,
            "municipal_name_fi": name_fi,
            "municipal_name_sv": name_sv,
            "type_code": type_code,
        }

    records = [
        record("00100", "091", "HELSINKI", "HELSINGFORS", "Helsinki", "Helsingfors"),
        record("01800", "543", "KLAUKKALA", "KLAUKKALA", "Nurmijärvi", "Nurmijärvi"),
        record("00011", "091", "SMARTPOST", "SMARTPOST", "Helsinki", "Helsingfors", type_code="6"),
        record("1234", "091", "BROKEN", "BROKEN", "Helsinki", "Helsingfors"),
    ]
    data = postcodes_data(records, "test", minimum=2)
    assert data["postcodes"] == {"00011": "091", "00100": "091", "01800": "543"}
    assert data["municipalities"] == {"091": ["Helsinki", "Helsingfors"], "543": ["Nurmijärvi", "Nurmijärvi"]}
    assert data["towns"] == {"HELSINGFORS": ["00100"], "HELSINKI": ["00100"], "KLAUKKALA": ["01800"]}
    with pytest.raises(ValueError, match="incomplete"):
        postcodes_data(records, "test")

    path = tmp_path / "postcodes-fi.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    read = read_postcodes(path)
    assert read.municipality["00100"] == "091" and read.municipality_names["091"] == ("Helsinki", "Helsingfors")
    assert read.towns["KLAUKKALA"] == ("01800",)

    with caplog.at_level(logging.ERROR):
        missing = postcodes(tmp_path / "not-built.json")
    assert not missing.municipality and "make bootstrap" in caplog.text
