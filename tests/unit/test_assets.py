import pytest

from portal.assets import tokens_css


def test_design_tokens_become_css_custom_properties():
    css = tokens_css(
        "$fi-color-brand-base: hsl(214, 100%, 24%);@mixin fi-text { font-size: 18px; }$fi-spacing-s: 10px;"
    )
    assert ":root{--fi-color-brand-base:hsl(214, 100%, 24%);--fi-spacing-s:10px;}" in css


def test_missing_tokens_fail_loudly():
    with pytest.raises(ValueError):
        tokens_css("nothing here")
