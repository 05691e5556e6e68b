"""Checks every request passes before its route: values no database column can hold.

Found by fuzzing (``bench/fuzz.py``) and answered here once, as application-wide
dependencies, rather than in each of some forty routes:

* an object id in a path larger than any id (ids are 32-bit in PostgreSQL) would fail
  in the database ("integer out of range", or Python's OverflowError with SQLite); it
  gets the answer of an id that does not exist;
* a NUL character in a query or form value: PostgreSQL text cannot hold it (SQLite
  can, so the two engines would disagree); it is refused, naming the field.

Multipart bodies are not read here: the upload routes must refuse an oversized file
before its body is read (``web/imports.py``), and they check their own fields.
"""

from __future__ import annotations

from fastapi import Request

from balise.core.errors import InvalidInput, NotFound

MAX_ID = 2**31 - 1
URLENCODED = "application/x-www-form-urlencoded"


def row_id(text: str) -> int | None:
    """A form's id (a checkbox value) or whole number (minutes, weeks, a count): ASCII
    digits within the range of ids, else None.
    ``str.isdigit`` alone is not enough: "³" is a digit that ``int`` refuses, and a
    number beyond any id fails in the database."""
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_ID:
        return None
    return int(text)


def ids_in_range(request: Request) -> None:
    for name, value in request.path_params.items():
        if not name.endswith("_id") or not isinstance(value, str):
            continue
        digits = value.strip().lstrip("+-")
        if digits.isascii() and digits.isdigit() and int(digits) > MAX_ID:
            raise NotFound()


async def no_nul_characters(request: Request) -> None:
    fields = list(request.query_params.multi_items())
    fields += [(name, str(value)) for name, value in request.path_params.items()]
    if request.headers.get("content-type", "").startswith(URLENCODED):
        form = await request.form()
        fields += [(name, value) for name, value in form.multi_items() if isinstance(value, str)]
    for name, value in fields:
        if "\x00" in value or "\x00" in name:
            shown = name.replace("\x00", "")[:40]
            raise InvalidInput(shown, "nul_character", name=shown)
