"""Add translations to a capability's catalogs: ``python tools/add_translations.py CAPABILITY FILE.json``.

FILE.json maps each English msgid to its Quebec French text; the English catalog gets
the msgid itself. ``tests/test_translations.py`` lists what is missing.
"""
import json
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po


def update(name, pairs):
    base = Path(__file__).resolve().parent.parent / "src" / "balise" / "locales"
    for lang in ("fr", "en"):
        path = base / lang / "LC_MESSAGES" / f"{name}.po"
        if path.exists():
            with path.open("rb") as f:
                cat = read_po(f, locale=lang)
        else:
            cat = Catalog(locale=lang, project="Balise", version="0.1", charset="utf-8")
        for en, fr in pairs.items():
            cat.add(en, fr if lang == "fr" else en)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as f:
            write_po(f, cat, width=100, omit_header=False, sort_output=True)

if __name__ == "__main__":
    name = sys.argv[1]
    pairs = json.loads(Path(sys.argv[2]).read_text(encoding="utf-8"))
    update(name, pairs)
