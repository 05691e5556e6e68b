"""The Excel export holds the same chart as the dashboard page: the page's SVG text,
stored as Excel 365 stores an SVG picture, with a PNG drawn from it for older readers."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from datetime import datetime
from html import unescape
from xml.etree import ElementTree as ET

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from PIL import Image
from sqlalchemy.orm import Session

from balise.committee.models import Project
from balise.committee.service import create_project
from balise.core import clock
from balise.indicators.xlsx_svg import SvgEmbedError, embed_svgs, png_fallback
from tests.committee.factories import build_board
from tests.factories import Cast
from tests.indicators.data import adopt, scenario_set, store_alert_scenario
from tests.web.conftest import csrf_of

Browser = Callable[[str | None], TestClient]
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
XDR = "{http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
ASVG = "{http://schemas.microsoft.com/office/drawing/2016/SVG/main}"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def project(session: Session, cast: Cast) -> Project:
    clock.freeze(datetime(2026, 9, 1, 10, 0))
    board = build_board(session, cast)
    project = create_project(session, board.committee, title="Bains du matin",
                             objectives="Plus de bains sans user l'équipe.",
                             team_ids=[cast.team.id])
    store_alert_scenario(session, cast.est_a.id, f"team:{cast.team.id}")
    adopt(session, board, project, scenario_set())
    session.commit()  # SQLite: end our write transaction before the requests
    return project


def _page_charts(html: str) -> dict[str, str]:
    """Each chart SVG of the page, by its title (the SVG's first <title>)."""
    charts = {}
    for svg in re.findall(r"<svg.*?</svg>", html, flags=re.S):
        title = re.search(r"<title>(.*?)</title>", svg)
        assert title is not None
        charts[unescape(title.group(1))] = svg
    return charts


def _pictures(package: bytes) -> list[tuple[str, bytes, bytes]]:
    """(alternative text, PNG, SVG) of every picture in the workbook's drawings, read
    the way Excel reads them: blip → PNG, blip's svgBlip extension → SVG."""
    found = []
    with zipfile.ZipFile(io.BytesIO(package)) as book:
        types = book.read("[Content_Types].xml").decode()
        assert '<Default Extension="svg" ContentType="image/svg+xml"' in types
        drawings = [n for n in book.namelist() if re.fullmatch(r"xl/drawings/drawing\d+\.xml", n)]
        for drawing in drawings:
            rels = ET.fromstring(book.read(drawing.replace("drawings/", "drawings/_rels/") + ".rels"))
            target = {rel.get("Id"): rel.get("Target", "").lstrip("/") for rel in rels}
            for pic in ET.fromstring(book.read(drawing)).iter(f"{XDR}pic"):
                blip = pic.find(f"{XDR}blipFill/{A}blip")
                assert blip is not None
                ext = blip.find(f"{A}extLst/{A}ext")
                assert ext is not None
                assert ext.get("uri") == "{96DAC541-7B7A-43D3-8B79-37D633B846F1}"
                svg_blip = ext.find(f"{ASVG}svgBlip")
                assert svg_blip is not None
                props = pic.find(f"{XDR}nvPicPr/{XDR}cNvPr")
                assert props is not None
                found.append((props.get("descr", ""), book.read(target[blip.get(f"{R}embed")]),
                              book.read(target[svg_blip.get(f"{R}embed")])))
    return found


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_excel_export_holds_the_page_chart_as_svg_with_a_png_fallback(
        browser: Browser, project: Project, lang: str) -> None:
    client = browser("union")
    url = f"/projects/{project.id}/dashboard"
    client.post("/language", data={"lang": lang, "next": url,
                                   "csrf_token": csrf_of(client.get(url).text)})
    page = client.get(url)
    assert page.status_code == 200 and f'lang="{lang}' in page.text
    charts = _page_charts(page.text)
    response = client.get(f"/projects/{project.id}/report.xlsx?lang={lang}")
    assert response.status_code == 200

    book = load_workbook(io.BytesIO(response.content))  # an ordinary reader still opens it
    assert len(book["visits_per_worker_week"]._images) == 1
    assert not book["visits_per_worker_week"]._charts  # the native chart is gone

    pictures = _pictures(response.content)
    assert len(pictures) == len(charts) == 5  # the volume indicator and its four measures
    for title, png, svg in pictures:
        assert svg.decode("utf-8") == charts[title], title
        assert png.startswith(PNG_SIGNATURE)
        image = Image.open(io.BytesIO(png)).convert("RGB")
        height = 40 if "viewBox=\"0 0 560 40\"" in charts[title] else 210
        assert image.size == (1120, 2 * height)  # twice the SVG's viewBox
        colours = image.getcolors(maxcolors=image.width * image.height)
        assert colours is not None and len(colours) > 8  # drawn, not blank
    volume = "Visites par semaine-intervenant" if lang == "fr" else "Visits per worker-week"
    assert volume in {title for title, _png, _svg in pictures}


def test_a_chart_with_signals_is_drawn_in_its_png_too() -> None:
    """The PNG is a rendering of the SVG, not a stand-in: a signal point drawn in the
    signal colour (#c2410c) shows up as that colour in the fallback."""
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 50" role="img">'
           '<title>t</title><circle cx="50" cy="25" r="10" fill="#c2410c"/></svg>')
    image = Image.open(io.BytesIO(png_fallback(svg))).convert("RGB")
    assert image.size == (200, 100)
    assert image.getpixel((100, 50)) == (0xC2, 0x41, 0x0C)
    assert image.getpixel((5, 5)) == (255, 255, 255)  # white, not transparent, behind it


def _workbook_with_pictures(*names: str) -> bytes:
    from openpyxl.drawing.image import Image as Picture

    book = Workbook()
    book.active.title = "Summary"
    for name in names:
        sheet = book.create_sheet(name)
        sheet.add_image(Picture(io.BytesIO(png_fallback(
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"/>'))), "B2")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_each_sheet_gets_its_own_svg_and_the_package_stays_valid() -> None:
    one = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><title>un</title></svg>'
    two = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><title>deux</title></svg>'
    package = embed_svgs(_workbook_with_pictures("a", "b"), {"a": (one, "Un"), "b": (two, "Deux")})
    assert {(title, svg.decode()) for title, _png, svg in _pictures(package)} == {
        ("Un", one), ("Deux", two)}
    with zipfile.ZipFile(io.BytesIO(package)) as book:
        assert book.testzip() is None
        assert book.read("[Content_Types].xml").count(b'Extension="svg"') == 1
    assert load_workbook(io.BytesIO(package)).sheetnames == ["Summary", "a", "b"]


def test_a_sheet_without_a_picture_is_refused() -> None:
    with pytest.raises(SvgEmbedError):
        embed_svgs(_workbook_with_pictures("a"), {"Summary": ("<svg/>", "x")})
