"""A project's indicator report: PDF (WeasyPrint) and spreadsheet (openpyxl).

The PDF embeds the very SVG the dashboard page shows (:mod:`balise.indicators.charts`).
So does the Excel export: per indicator, the table of values the chart is drawn from and
the same SVG as a picture (:mod:`balise.indicators.xlsx_svg`: the SVG for Excel 2016 and
later, a PNG drawn from it for older readers). It replaces a native Excel line chart,
which showed the values without the limits, baseline and signals, and so told a
different story than the page. The summary sheet repeats the baseline, current value,
target, verdict and decision.
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session
from weasyprint import HTML, URLFetcher

from balise.committee.models import Committee
from balise.core import clock
from balise.core.i18n import current_language, gettext, language, lazy, ngettext
from balise.indicators.dashboard import Dashboard, Panel
from balise.indicators.definitions import DIRECTIONS, FAMILIES, UNITS, unit_label
from balise.indicators.xlsx_svg import embed_svgs, png_fallback, viewbox_size

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "reports" / "templates"
FORMULA_STARTS = ("=", "+", "-", "@")
SUMMARY_HEADERS = (lazy("Indicator"), lazy("Family"), lazy("Unit"), lazy("Direction"),
                   lazy("Decision"), lazy("Baseline"), lazy("Current period"),
                   lazy("Current value"), lazy("Target"), lazy("Verdict"))
VALUE_HEADERS = (lazy("Period"), lazy("Value"), lazy("Numerator"), lazy("Denominator"),
                 lazy("Workers"), lazy("Source"))


def figure(value: float | None) -> str:
    """A figure as a committee reads it, in its language: one decimal (12,5 in French),
    none from 1,000 on."""
    if value is None:
        return "—"
    pattern = "#,##0" if abs(value) >= 1000 else "#,##0.0"
    return format_decimal(value, format=pattern,
                          locale="fr_CA" if current_language() == "fr" else "en_CA")


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES_DIR),
                      autoescape=select_autoescape(["html"]),
                      extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters["figure"] = figure
    return env


_ENV = _environment()


def long_date(day: date, lang: str) -> str:
    return format_date(day, format="long", locale="fr_CA" if lang == "fr" else "en_CA")


def report_html(session: Session, board: Dashboard, lang: str) -> str:
    committee = session.get_one(Committee, board.project.committee_id)
    with language(lang):
        return _ENV.get_template("indicators.html").render(
            board=board, committee=committee, lang=lang, families=FAMILIES, units=UNITS,
            directions=DIRECTIONS, unit_label=unit_label, exported=long_date(clock.today(), lang))


def pdf_of(html: str) -> bytes:
    # Nothing is fetched: the report is made only of what Balise wrote.
    document = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=()))
    pdf: bytes = document.write_pdf()
    return pdf


def report_pdf(session: Session, board: Dashboard, lang: str) -> bytes:
    return pdf_of(report_html(session, board, lang))


def report_filename(board: Dashboard, lang: str, suffix: str) -> str:
    stem = "indicateurs" if lang == "fr" else "indicators"
    return f"{stem}-projet-{board.project.id}.{suffix}" if lang == "fr" else (
        f"{stem}-project-{board.project.id}.{suffix}")


def _text(value: Any) -> Any:
    # A cell starting with "=" would become a formula in the reader's Excel.
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _verdict_text(panel: Panel) -> str:
    if panel.unavailable is not None:
        return panel.unavailable.message()
    if panel.verdict is None:
        return gettext("Not enough periods yet to tell a change from noise.")
    return " ".join(panel.verdict.sentences())


def report_xlsx(board: Dashboard, lang: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.drawing.image import Image

    pictures: dict[str, tuple[str, str]] = {}
    with language(lang):
        book = Workbook()
        summary = book.active
        summary.title = gettext("Summary")
        summary.append([_text(board.project.title)])
        for alert in board.alerts:
            summary.append([_text(gettext("Alert") + " — " + alert.sentence())])
        summary.append([gettext(h) for h in SUMMARY_HEADERS])
        used: set[str] = set()
        for panel in board.panels:
            current = panel.current
            summary.append([
                _text(panel.title), gettext(FAMILIES[panel.definition.family]),
                gettext(UNITS[panel.definition.unit]),
                gettext(DIRECTIONS[panel.definition.direction]),
                panel.decision_ref or "—", panel.baseline_value,
                current.period_start if current else None, current.value if current else None,
                panel.target, _text(_verdict_text(panel))])
            name = (panel.definition.code + (f"_{panel.need}" if panel.need else ""))[:28]
            while name in used:
                name = name[:26] + f"_{len(used)}"
            used.add(name)
            sheet = book.create_sheet(name)
            sheet.append([_text(panel.title)])
            sheet.append([gettext(h) for h in VALUE_HEADERS])
            for point in panel.points:
                sheet.append([point.period_start, point.value, point.numerator,
                              point.denominator, point.workers, _text(point.source_note)])
            svg = panel.svg  # the page's text, in the report's language
            picture = Image(io.BytesIO(png_fallback(svg)))
            picture.width, picture.height = viewbox_size(svg)
            sheet.add_image(picture, "H2")
            pictures[name] = (svg, panel.title)
        buffer = io.BytesIO()
        book.save(buffer)
    return embed_svgs(buffer.getvalue(), pictures)
