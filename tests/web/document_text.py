"""The text a person reads in a response: a page, JSON, CSV, an Excel workbook or a PDF.

PDFs are read with the standard library only (no PDF package in the project): Balise's
PDFs come from WeasyPrint, whose text is glyph ids in compressed content streams, mapped
back to characters by each font's ``ToUnicode`` map. Every text object is decoded with
every map of the file; the wrong maps give noise, the right one gives the text — enough
to search for a string, which is all the canary test needs.
"""

from __future__ import annotations

import html
import io
import re
import zlib

from openpyxl import load_workbook

_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_TEXT_OBJECT = re.compile(rb"BT(.*?)ET", re.DOTALL)
_HEX = re.compile(rb"<([0-9A-Fa-f\s]+)>")


def text_of(content_type: str, body: bytes) -> str:
    if content_type.startswith("application/pdf"):
        return pdf_text(body)
    if "spreadsheetml" in content_type:
        return xlsx_text(body)
    text = body.decode("utf-8", errors="replace")
    if content_type.startswith("text/html"):
        # Visible text only: tags and their attributes (SVG coordinates…) are not read.
        text = _TAG.sub(" ", text)
    return html.unescape(text)


def xlsx_text(body: bytes) -> str:
    book = load_workbook(io.BytesIO(body), read_only=True)
    cells = [str(value) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
             for value in row if value is not None]
    return "\n".join(cells)


def _streams(body: bytes) -> list[bytes]:
    found = []
    for raw in _STREAM.findall(body):
        try:
            found.append(zlib.decompress(raw))
        except zlib.error:
            found.append(raw)
    return found


def _cmap(stream: bytes) -> dict[str, str]:
    """A ToUnicode map: glyph id (hex) -> text."""
    mapping: dict[str, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", stream, re.DOTALL):
        for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            mapping[src.decode().upper()] = bytes.fromhex(dst.decode()).decode("utf-16-be", "replace")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", stream, re.DOTALL):
        for low, high, dst in re.findall(
                rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            first, width = int(dst, 16), len(low)
            for offset, glyph in enumerate(range(int(low, 16), int(high, 16) + 1)):
                mapping[f"{glyph:0{width}X}"] = chr(first + offset)
    return mapping


def pdf_text(body: bytes) -> str:
    streams = _streams(body)
    maps = [m for m in (_cmap(s) for s in streams if b"begincmap" in s) if m]
    lines: list[str] = []
    for stream in streams:
        for text_object in _TEXT_OBJECT.findall(stream):
            glyphs = "".join(h.decode() for h in _HEX.findall(text_object))
            glyphs = re.sub(r"\s", "", glyphs).upper()
            for mapping in maps:
                width = len(next(iter(mapping)))
                lines.append("".join(mapping.get(glyphs[i:i + width], "\ufffd")
                                     for i in range(0, len(glyphs), width)))
    return "\n".join(lines)
