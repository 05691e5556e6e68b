"""The imports page: an analyst uploads a file and reads the report; exports download."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B.bundle import Bundle
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from balise.grid.models import Act, Visit
from balise.web import imports as imports_page
from tests.factories import Cast, make_visit
from tests.grid.io_samples import DAY, VISIT_ROWS, visits_file
from tests.web.conftest import csrf_of

Browser = Callable[[str | None], TestClient]


def _upload(client: TestClient, data: bytes, kind: str = "visits", name: str = "semaine.csv",
            dry_run: bool = False) -> tuple[int, str]:
    token = csrf_of(client.get("/imports").text)
    fields = {"csrf_token": token, "kind": kind, **({"dry_run": "1"} if dry_run else {})}
    response = client.post("/imports", data=fields, files={"file": (name, data, "text/csv")})
    return response.status_code, response.text


def _visit_count(session: Session) -> int:
    session.expire_all()
    count = int(session.scalar(select(func.count()).select_from(Visit)) or 0)
    session.rollback()  # SQLite: a reading transaction here would hold the app's writes
    return count


def test_analyst_uploads_a_file_and_sees_the_report(browser: Browser, session: Session) -> None:
    client = browser("analyst")
    status, text = _upload(client, visits_file())
    assert status == 200
    assert "4 lignes lues : 4 créées, 0 modifiées, 0 inchangées." in text
    assert _visit_count(session) == 4
    status, text = _upload(client, visits_file())
    assert "4 lignes lues : 0 créées, 0 modifiées, 4 inchangées." in text
    assert _visit_count(session) == 4


def test_a_bad_file_shows_each_error_and_writes_nothing(browser: Browser,
                                                        session: Session) -> None:
    rows = [VISIT_ROWS[0], "U0001;T1;A1;2026-11-16;12:00;08:00;10:00;45;BAIN;;;;;;"]
    status, text = _upload(browser("analyst"), visits_file(rows))
    assert status == 400
    assert "1 erreur : rien n'a été enregistré." in text
    assert "<td class=\"num\">3</td><td>fin_fenetre</td><td>08:00</td>" in text
    assert "La fin précède le début." in text
    assert _visit_count(session) == 0


def test_a_dry_run_writes_nothing(browser: Browser, session: Session) -> None:
    status, text = _upload(browser("admin"), visits_file(), dry_run=True)
    assert status == 200 and "Simulation" in text and "4 seraient créées" in text
    assert _visit_count(session) == 0


def test_a_worker_cannot_import(browser: Browser, session: Session) -> None:
    client = browser("alice")
    token = csrf_of(client.get("/me/week").text)
    response = client.post("/imports", data={"csrf_token": token, "kind": "visits"},
                           files={"file": ("v.csv", visits_file(), "text/csv")})
    assert response.status_code == 403
    assert _visit_count(session) == 0


def test_no_file_is_a_clear_error(browser: Browser) -> None:
    client = browser("analyst")
    token = csrf_of(client.get("/imports").text)
    response = client.post("/imports", data={"csrf_token": token, "kind": "visits"})
    assert response.status_code == 400 and "Choisissez un fichier à importer." in response.text


MEGABYTE = 1024 * 1024


@pytest.mark.parametrize("size", [MEGABYTE + 10_000, 2 * MEGABYTE])
def test_a_file_too_large_is_refused_clearly(browser: Browser, session: Session,
                                             monkeypatch: pytest.MonkeyPatch, size: int) -> None:
    # 1 MB and a bit passes the announced-length check and is caught once read; 2 MB is
    # refused from its Content-Length before the form is read.
    monkeypatch.setattr(imports_page, "MAX_UPLOAD_BYTES", MEGABYTE)
    data = visits_file() + b"\n" * size
    status, text = _upload(browser("analyst"), data)
    assert status == (413 if size < 2 * MEGABYTE else 400)
    assert "Le fichier dépasse 1 Mo; divisez-le en fichiers plus petits." in text
    assert _visit_count(session) == 0


def test_analyst_exports_clients_as_csv_and_excel(browser: Browser) -> None:
    client = browser("analyst")
    csv = client.get("/exports/clients?format=csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv.headers["content-disposition"]
    assert csv.content.decode("utf-8-sig").splitlines()[0].startswith("code_usager;equipe")
    xlsx = client.get("/exports/clients?format=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    assert next(sheet.iter_rows(values_only=True))[0] == "code_usager"


def test_a_worker_exports_only_their_own_visits(browser: Browser, session: Session,
                                                cast: Cast) -> None:
    make_visit(session, cast.alice, cast.clients[0], cast.acts["BAIN"], DAY, minutes=45)
    make_visit(session, cast.bob, cast.clients[1], cast.acts["BAIN"], DAY, minutes=30)
    session.commit()
    client = browser("alice")
    period = "from=2026-11-16&to=2026-11-22"
    lines = client.get(f"/exports/visits?{period}").content.decode("utf-8-sig").splitlines()
    assert len(lines) == 2 and ";A0;" in lines[1]  # the header and alice's visit
    fhir = client.get(f"/exports/visits?format=fhir&{period}")
    assert fhir.headers["content-type"].startswith("application/fhir+json")
    assert len(Bundle.model_validate_json(fhir.content).entry or []) == 1
    assert client.get("/exports/clients").status_code == 403
    assert "debut_reel" in lines[0] and "09:00" in lines[1]  # alice's own times
    everyone = browser("analyst").get(f"/exports/visits?{period}")
    rows = everyone.content.decode("utf-8-sig").splitlines()
    assert len(rows) == 3
    # One worker's time figures reach only that worker: the analyst's file has no times.
    assert "debut_reel" not in rows[0] and "fin_reelle" not in rows[0]


def test_export_refuses_a_bad_format_period_or_size(browser: Browser,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    client = browser("analyst")
    assert client.get("/exports/clients?format=fhir").status_code == 400
    assert client.get("/exports/visits?format=pdf").status_code == 400
    assert client.get("/exports/visits?from=2024-01-01&to=2026-01-01").status_code == 400
    assert client.get("/exports/nothing").status_code == 404
    monkeypatch.setattr(imports_page, "MAX_EXPORT_ROWS", 3)
    too_many = client.get("/exports/workers")  # the cast has 11 workers
    assert too_many.status_code == 400 and "balise export" in too_many.text


def test_the_shared_act_catalogue_is_imported_by_an_administrator_only(
        browser: Browser, session: Session) -> None:
    acts = b"code_acte;libelle_fr;libelle_en;titres_emploi\nZZNEW;Acte nouveau;New act;auxiliaire\n"
    analyst = browser("analyst")
    assert 'value="acts"' not in analyst.get("/imports").text
    status, text = _upload(analyst, acts, kind="acts", name="actes.csv")
    assert status == 403
    assert "seul un administrateur peut l&#39;importer" in text
    assert "ZZNEW" not in _act_codes(session)
    status, text = _upload(browser("admin"), acts, kind="acts", name="actes.csv")
    assert status == 200, text
    assert "ZZNEW" in _act_codes(session)


def _act_codes(session: Session) -> set[str]:
    session.expire_all()
    codes = set(session.scalars(select(Act.code)))
    session.rollback()
    return codes
