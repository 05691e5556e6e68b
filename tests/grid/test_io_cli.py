"""``balise import`` and ``balise export``: reports, exit codes, files written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from balise.cli import app
from tests.factories import Cast
from tests.grid.io_samples import VISIT_ROWS, visits_file

runner = CliRunner()


@pytest.fixture
def env(database_url: str, cast: Cast, monkeypatch: pytest.MonkeyPatch) -> Cast:
    monkeypatch.setenv("BALISE_DATABASE_URL", database_url)
    monkeypatch.setenv("COLUMNS", "200")  # one table row per line in the output
    return cast


def test_import_reports_every_error_and_exits_1(env: Cast, tmp_path: Path) -> None:
    path = tmp_path / "semaine.csv"
    path.write_bytes(visits_file([VISIT_ROWS[0], "U9999;T1;A1;2026-11-16;08:00;12:00;;0;BAIN;;;;;;"]))
    result = runner.invoke(app, ["import", "visits", str(path), "--establishment", "EST-A"])
    assert result.exit_code == 1, result.output
    # Both the unknown client and the zero duration of the same row are reported.
    assert "2 erreurs dans semaine.csv : rien n'a été enregistré." in result.output
    assert "duree_prevue_min" in result.output and "code_usager" in result.output
    # Nothing was written: the good first row is not there either.
    again = runner.invoke(app, ["import", "visits", str(path), "--establishment", "EST-A"])
    assert again.exit_code == 1


def test_import_then_dry_run_then_export(env: Cast, tmp_path: Path) -> None:
    path = tmp_path / "semaine.csv"
    path.write_bytes(visits_file())
    dry = runner.invoke(app, ["import", "visits", str(path), "--establishment", "EST-A",
                              "--dry-run"])
    assert dry.exit_code == 0 and "4 seraient créées" in dry.output
    done = runner.invoke(app, ["import", "visits", str(path), "--establishment", "EST-A"])
    assert done.exit_code == 0 and "4 lignes lues : 4 créées" in done.output, done.output
    twice = runner.invoke(app, ["import", "visits", str(path), "--establishment", "EST-A"])
    assert "0 créées, 0 modifiées, 4 inchangées" in twice.output

    period = ["--from", "2026-11-16", "--to", "2026-11-22"]
    xlsx = tmp_path / "visites.xlsx"
    result = runner.invoke(app, ["export", "visits", "--establishment", "EST-A",
                                 "--out", str(xlsx), *period])
    assert result.exit_code == 0, result.output
    assert len(list(load_workbook(xlsx).worksheets[0].iter_rows())) == 5
    fhir = tmp_path / "visites.json"
    result = runner.invoke(app, ["export", "visits", "--establishment", "EST-A",
                                 "--out", str(fhir), *period])
    assert result.exit_code == 0, result.output
    assert len(json.loads(fhir.read_text())["entry"]) == 2  # the two realized visits


def test_the_establishment_must_be_named_when_there_are_several(env: Cast,
                                                                tmp_path: Path) -> None:
    path = tmp_path / "v.csv"
    path.write_bytes(visits_file())
    result = runner.invoke(app, ["import", "visits", str(path)])
    assert result.exit_code == 2 and "EST-A, EST-B" in result.output
    result = runner.invoke(app, ["export", "clients", "--establishment", "NOPE",
                                 "--out", str(tmp_path / "c.csv")])
    assert result.exit_code == 2 and "NOPE" in result.output
    result = runner.invoke(app, ["export", "clients", "--establishment", "EST-A",
                                 "--out", str(tmp_path / "c.json")])
    assert result.exit_code == 2 and "FHIR" in result.output
