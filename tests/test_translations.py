"""Every string a user can see exists in French and in English.

Strings are extracted the way ``pybabel extract`` does (Python keywords ``_``,
``gettext``, ``ngettext``, ``lazy``; Jinja2 templates), then looked up in both catalogs.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from balise.core.i18n import catalog

SRC = Path(__file__).resolve().parent.parent / "src" / "balise"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy": None}
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true"}}


def extracted() -> dict[str, str]:
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(SRC), METHODS, keywords=KEYWORDS, options_map=OPTIONS
    ):
        for text in message if isinstance(message, tuple) else (message,):
            if text:
                found.setdefault(text, f"{filename}:{lineno}")
    return found


def test_extraction_finds_the_strings_of_code_and_templates() -> None:
    found = extracted()
    assert "Log in" in found  # a template
    assert "Home-care worker" in found  # a lazy() label in code


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_string_is_translated(language: str) -> None:
    translations = catalog(language)
    missing = [f"{where}: {text!r}" for text, where in extracted().items()
               if not translations.get(text)]
    assert not missing, f"{len(missing)} strings lack a {language} translation:\n" + "\n".join(
        missing[:40])


def test_french_differs_from_english_for_sentences() -> None:
    fr = catalog("fr")
    # Short labels may be spelled the same ("Version", "Documentation"); sentences not.
    same = [text for text in extracted() if len(text.split()) >= 4 and fr.get(text) == text]
    assert not same, f"untranslated French entries: {same[:10]}"


PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{(\w+)[^}]*\}")


def _placeholders(text: str) -> set[str]:
    return {a or b for a, b in PLACEHOLDER.findall(text)}


@pytest.mark.parametrize("language", ["fr", "en"])
def test_translations_keep_every_placeholder(language: str) -> None:
    """A translation that drops or renames a placeholder would show a hole or crash."""
    broken = [(msgid, text) for msgid, text in catalog(language).items()
              if _placeholders(msgid) != _placeholders(text)]
    assert not broken, broken[:10]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_percent_signs_are_only_placeholders(language: str) -> None:
    """In templates, ``%`` starts a format: "%(q)e" would print an exponent, "5 %" crash."""
    stray = [text for text in catalog(language).values()
             if "%(" in text and "%" in re.sub(r"%%|%\(\w+\)[sd]", "", text)]
    assert not stray, stray[:10]
