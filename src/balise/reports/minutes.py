"""Minutes as a PDF, in French or English, that a member can keep and check later.

The PDF lists the meeting's decisions with each member's stance, and prints the
journal's head (count and hash) at the moment of export with the fingerprint of the
minutes: a member who kept the PDF can later run ``balise journal verify --head`` (or
tools/verify_journal.py) and know that nothing recorded before that moment was rewritten.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from babel.dates import format_date
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session
from weasyprint import HTML, URLFetcher

from balise.committee.meetings import MinutesRecord, minutes_record
from balise.committee.models import SIDES, STANCES, Meeting
from balise.core import clock
from balise.core.i18n import gettext, language, ngettext
from balise.journal.service import head, verify

TEMPLATES_DIR = Path(__file__).parent / "templates"


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES_DIR),
                      autoescape=select_autoescape(["html"]),
                      extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    return env


_ENV = _environment()


def long_date(day: date, lang: str) -> str:
    return format_date(day, format="long", locale="fr_CA" if lang == "fr" else "en_CA")


def moment(at: datetime, lang: str) -> str:
    return f"{long_date(at.date(), lang)} {at:%H:%M}"


def minutes_html(session: Session, meeting: Meeting, lang: str) -> str:
    """The HTML the PDF is made of, in ``lang``; tests read it as a member would."""
    record: MinutesRecord = minutes_record(session, meeting)
    verification = verify(session)
    with language(lang):
        return _ENV.get_template("minutes.html").render(
            record=record, lang=lang, sides=SIDES, stances=STANCES,
            journal_head=head(session), verification=verification,
            exported_at=moment(clock.now(), lang),
            long_date=lambda d: long_date(d, lang), moment=lambda m: moment(m, lang))


def minutes_pdf(session: Session, meeting: Meeting, lang: str) -> bytes:
    # No URL is fetched, whatever the minutes contain: the PDF is made of what Balise
    # wrote, never of something a link would bring in.
    document = HTML(string=minutes_html(session, meeting, lang),
                    url_fetcher=URLFetcher(allowed_protocols=()))
    pdf: bytes = document.write_pdf()  # bytes, as no target is given
    return pdf


def minutes_filename(meeting: Meeting, lang: str) -> str:
    stem = "proces-verbal" if lang == "fr" else "minutes"
    return f"{stem}-{meeting.held_on.isoformat()}.pdf"
