"""Translation: Quebec French by default, English complete.

Message ids are English. Catalogs are gettext ``.po`` files, one per capability
(``locales/<lang>/LC_MESSAGES/<capability>.po``), read with Babel at start-up (no
compiled ``.mo`` to keep in sync). The language of the current request or command
lives in a context variable so that domain code can translate without passing it around.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"

_current: ContextVar[str] = ContextVar("balise_language", default=DEFAULT_LANGUAGE)


@cache
def catalog(language: str) -> dict[str, str]:
    """All translations of a language: one ``.po`` file per capability, merged."""
    merged: dict[str, str] = {}
    for path in sorted((LOCALES_DIR / language / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as handle:
            parsed = read_po(handle, locale=language)
        for message in parsed:
            if message.id and isinstance(message.id, str) and message.string:
                merged[message.id] = str(message.string)
    return merged


def current_language() -> str:
    return _current.get()


@contextmanager
def language(lang: str) -> Iterator[None]:
    token = _current.set(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)
    try:
        yield
    finally:
        _current.reset(token)


def set_language(lang: str) -> None:
    _current.set(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)


def gettext(message: str) -> str:
    return catalog(_current.get()).get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return gettext(singular if n == 1 else plural)


def lazy(message: str) -> str:
    """Mark a string for extraction; it is translated where it is shown."""
    return message


def pick(fr: str, en: str) -> str:
    """Choose between two stored texts (labels kept in both languages in the database)."""
    return fr if _current.get() == "fr" else en
