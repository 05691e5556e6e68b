"""SVG pictures inside an Excel workbook, stored the way Excel 365 stores them.

openpyxl writes pictures as PNG only. Excel 365 keeps an inserted SVG as two parts: a
PNG that any reader can show, and the SVG itself, which the picture's ``a:blip`` points
to through the ``asvg:svgBlip`` extension (uri ``{96DAC541-7B7A-43D3-8B79-37D633B846F1}``,
one of the Office drawing extensions of [MS-ODRAWXML]). Excel 2016 and later draw the
vector SVG; older readers, LibreOffice and openpyxl fall back on the PNG.

So the workbook is made with the PNG (:func:`png_fallback`, rendered from the very SVG
text), saved, and :func:`embed_svgs` then adds to the saved package, per sheet, the SVG
part, its relationship from the sheet's drawing and the extension on the picture.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Mapping
from xml.etree import ElementTree as ET
from xml.sax.saxutils import quoteattr

SVG_BLIP_URI = "{96DAC541-7B7A-43D3-8B79-37D633B846F1}"
PNG_SCALE = 2  # pixels per SVG unit: sharp on a high-density screen when Excel shows the PNG

NS = {
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "asvg": "http://schemas.microsoft.com/office/drawing/2016/SVG/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "xdr": "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing",
    "main": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
}
TYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
IMAGE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"
DRAWING_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/drawing"
for _prefix in ("a", "asvg", "r", "xdr"):
    ET.register_namespace(_prefix, NS[_prefix])


class SvgEmbedError(Exception):
    """The package does not hold the picture a chart was meant to go with (a bug, not a
    user's mistake: Balise made the workbook itself)."""


def viewbox_size(svg: str) -> tuple[float, float]:
    """Width and height of the SVG's viewBox: the size the picture is shown at."""
    found = re.search(r'viewBox="\s*[-\d.]+\s+[-\d.]+\s+([\d.]+)\s+([\d.]+)\s*"', svg)
    if found is None:
        raise SvgEmbedError("svg_without_viewbox")
    return float(found.group(1)), float(found.group(2))


def png_fallback(svg: str) -> bytes:
    """The PNG an older reader shows instead of the SVG, drawn from the same text."""
    import cairosvg  # imported here: only the Excel export draws PNGs

    width, height = viewbox_size(svg)
    png: bytes = cairosvg.svg2png(
        bytestring=svg.encode("utf-8"), output_width=round(width * PNG_SCALE),
        output_height=round(height * PNG_SCALE), background_color="white")
    return png


def _part(base: str, target: str) -> str:
    """A relationship target as a part name in the zip (openpyxl writes absolute ones)."""
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), target))


def _rels_of(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _xml(root: ET.Element) -> bytes:
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + body


def _append(document: bytes, closing: bytes, element: str, attributes: dict[str, str]) -> bytes:
    # Package parts (relationships, content types) keep their default namespace, which
    # ElementTree cannot write back when attributes are unqualified: append as text.
    text = "".join(f" {key}={quoteattr(value)}" for key, value in attributes.items())
    head, found, tail = document.rpartition(closing)
    if not found:
        raise SvgEmbedError("part_not_closed")
    return head + f"<{element}{text}/>".encode() + found + tail


def _sheet_parts(parts: Mapping[str, bytes]) -> dict[str, str]:
    book = ET.fromstring(parts["xl/workbook.xml"])
    rels = ET.fromstring(parts["xl/_rels/workbook.xml.rels"])
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    return {sheet.get("name", ""): _part("xl/workbook.xml", targets[sheet.get(f"{{{NS['r']}}}id")])
            for sheet in book.iter(f"{{{NS['main']}}}sheet")}


def _drawing_of(parts: Mapping[str, bytes], sheet: str) -> str:
    if _rels_of(sheet) not in parts:
        raise SvgEmbedError("sheet_without_drawing")
    rels = ET.fromstring(parts[_rels_of(sheet)])
    for rel in rels:
        if rel.get("Type") == DRAWING_REL:
            return _part(sheet, rel.get("Target", ""))
    raise SvgEmbedError("sheet_without_drawing")


def _free_id(rels: ET.Element) -> str:
    taken = {rel.get("Id") for rel in rels}
    number = len(taken) + 1
    while f"rId{number}" in taken:
        number += 1
    return f"rId{number}"


def embed_svgs(package: bytes, pictures: Mapping[str, tuple[str, str]]) -> bytes:
    """Give the first picture of each named sheet its SVG.

    ``pictures`` maps a sheet's name to ``(svg, description)``: the SVG text the
    picture's PNG was drawn from, and the alternative text a screen reader says.
    """
    with zipfile.ZipFile(io.BytesIO(package)) as source:
        order = source.infolist()
        parts = {info.filename: source.read(info) for info in order}
    sheets = _sheet_parts(parts)
    added: dict[str, bytes] = {}
    for count, (name, (svg, description)) in enumerate(pictures.items(), start=1):
        drawing = _drawing_of(parts, sheets[name])
        root = ET.fromstring(parts[drawing])
        pic = root.find(".//xdr:pic", NS)
        blip = None if pic is None else pic.find("xdr:blipFill/a:blip", NS)
        props = None if pic is None else pic.find("xdr:nvPicPr/xdr:cNvPr", NS)
        if blip is None or props is None:
            raise SvgEmbedError("drawing_without_picture")
        media = f"xl/media/chart{count}.svg"
        rels = parts[_rels_of(drawing)]
        rel_id = _free_id(ET.fromstring(rels))
        parts[_rels_of(drawing)] = _append(rels, b"</Relationships>", "Relationship",
                                           {"Id": rel_id, "Type": IMAGE_REL,
                                            "Target": "/" + media})
        ext_list = ET.SubElement(blip, f"{{{NS['a']}}}extLst")
        ext = ET.SubElement(ext_list, f"{{{NS['a']}}}ext", {"uri": SVG_BLIP_URI})
        ET.SubElement(ext, f"{{{NS['asvg']}}}svgBlip", {f"{{{NS['r']}}}embed": rel_id})
        props.set("descr", description)
        parts[drawing] = _xml(root)
        added[media] = svg.encode("utf-8")
    types = parts["[Content_Types].xml"]
    if not any(d.get("Extension") == "svg"
               for d in ET.fromstring(types).iter(f"{{{TYPES_NS}}}Default")):
        parts["[Content_Types].xml"] = _append(types, b"</Types>", "Default", {
            "Extension": "svg", "ContentType": "image/svg+xml"})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in order:
            target.writestr(info.filename, parts[info.filename])
        for name, data in added.items():
            target.writestr(name, data)
    return out.getvalue()
