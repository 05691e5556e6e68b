"""The privacy papers exist in French and English, and say what the code does.

The retention schedule is written twice, in ``docs/privacy/retention.md`` (for people)
and in ``balise.retention.SCHEDULE`` (for the job); each language's table must list
exactly the categories the job deletes or clears, with the same table and period.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from balise.retention import SCHEDULE

DOCS = Path(__file__).resolve().parent.parent / "docs" / "privacy"
PAPERS = ["pia.md", "retention.md", "incident-register.md", "notice-workers.md"]
SECTIONS = {"fr": "## Français", "en": "## English"}
RULES = {rule.category: rule for rule in SCHEDULE}


def section(name: str, language: str) -> str:
    """The French or the English half of a document."""
    text = (DOCS / name).read_text(encoding="utf-8")
    french, english = text.find(SECTIONS["fr"]), text.find(SECTIONS["en"])
    assert 0 < french < english, f"{name}: French first, then English"
    return text[french:english] if language == "fr" else text[english:]


@pytest.mark.parametrize("name", [*PAPERS, "README.md"])
def test_each_paper_is_written_in_french_then_in_english(name: str) -> None:
    text = (DOCS / name).read_text(encoding="utf-8")
    assert text.startswith("# ")
    french, english = section(name, "fr"), section(name, "en")
    # Both halves say the whole thing, not a summary of the other.
    assert len(english.split()) > 0.7 * len(french.split()) > 150
    assert len(re.findall(r"\b(les|des|est|une)\b", french)) > 10
    assert len(re.findall(r"\b(the|is|and|of)\b", english)) > 10


def test_the_index_links_every_paper() -> None:
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    for name in PAPERS:
        assert f"]({name})" in index, name
    assert "](privacy/)" in (DOCS.parent / "README.md").read_text(encoding="utf-8")


def schedule_table(language: str) -> list[dict[str, str]]:
    """The rows of the table whose first column is ``code``, keyed by header."""
    rows: list[list[str]] = []
    for line in section("retention.md", language).splitlines():
        if not line.startswith("|"):
            if rows:
                break
            continue
        cells = [cell.strip().strip("`") for cell in line.strip().strip("|").split("|")]
        if rows or cells[0] == "code":
            rows.append(cells)
    assert rows, f"no schedule table in the {language} section"
    header, _rule, *body = rows
    return [dict(zip(header, row, strict=True)) for row in body]


@pytest.mark.parametrize("language,days,action", [("fr", "jours", "action"),
                                                  ("en", "days", "action")])
def test_the_written_schedule_is_the_one_the_job_applies(
        language: str, days: str, action: str) -> None:
    rows = schedule_table(language)
    written = {(row["code"], row["table"], row[days], row[action]) for row in rows
               if row[action] in ("delete", "clear")}
    applied = {(rule.category, rule.table, str(rule.days), rule.action) for rule in SCHEDULE}
    assert written == applied, (
        f"only in the doc: {sorted(written - applied)}; only in the code: "
        f"{sorted(applied - written)}")
    assert {row["code"] for row in rows if row[action] not in ("delete", "clear")} >= {
        "journal"}
    assert len({row["code"] for row in rows}) == len(rows), "a category appears twice"


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_journal_is_listed_as_kept(language: str) -> None:
    journal = [row for row in schedule_table(language) if row["table"] == "journal_entry"]
    assert [row["action"] for row in journal] == ["keep"]


@pytest.mark.parametrize("language,unit", [("fr", "jours"), ("en", "days")])
def test_the_notice_gives_the_periods_the_job_applies(language: str, unit: str) -> None:
    notice = " ".join(section("notice-workers.md", language).split())
    for category in ("visit_notes", "sync_conflicts", "login_attempts"):
        assert f"{RULES[category].days} {unit}" in notice, category
