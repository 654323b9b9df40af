"""Every message in all four catalogues is translated, not fuzzy, and keeps its placeholders."""

import subprocess
import sys

from portal.config import REPO_ROOT
from portal.translations import CATALOGUES, catalogue_problems, po_path


def test_catalogues_are_complete(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "--no-location",
            "-o",
            str(pot),
            ".",
        ],
        check=True,
        cwd=REPO_ROOT,
    )
    problems = catalogue_problems(pot)
    assert problems == [], "\n".join(problems)


def test_check_catches_an_untranslated_message(tmp_path, monkeypatch):
    import portal.translations as translations

    for locale, domain in CATALOGUES:
        target = tmp_path / locale / "LC_MESSAGES" / f"{domain}.po"
        target.parent.mkdir(parents=True, exist_ok=True)
        text = po_path(locale, domain).read_text(encoding="utf-8")
        if locale == "sv":
            text += '\nmsgid "A brand new sentence"\nmsgstr ""\n'
        target.write_text(text, encoding="utf-8")
    monkeypatch.setattr(translations, "TRANSLATIONS", tmp_path)
    assert catalogue_problems() == ["sv/messages: 'A brand new sentence' is untranslated"]
