"""Shared documents: checked on the way in, logged on the way out."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from html import unescape

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from balise.committee.documents import (
    MAX_DOCUMENT_BYTES,
    clean_filename,
    share_document,
)
from balise.committee.models import Document, DocumentAccess
from balise.committee.record_errors import RecordError
from balise.journal.models import JournalEntry
from tests.committee.factories import Board, build_board
from tests.factories import Cast
from tests.web.conftest import csrf_of

Browser = Callable[[str | None], TestClient]
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"


@pytest.fixture
def board(session: Session, cast: Cast) -> Board:
    return build_board(session, cast)


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _xlsx() -> bytes:
    buffer = io.BytesIO()
    book = Workbook()
    book.active.append(["équipe", "visites"])
    book.save(buffer)
    return buffer.getvalue()


def _count(session: Session, model: type[Document] | type[DocumentAccess]) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _committed(session: Session, model: type[Document] | type[DocumentAccess]) -> int:
    """What the app committed; the transaction ends at once, as on SQLite even a read
    here holds the write lock the app is waiting for."""
    session.rollback()
    try:
        return _count(session, model)
    finally:
        session.rollback()


@pytest.mark.parametrize("filename, declared, data", [
    ("rapport.pdf", "application/pdf", PDF),
    ("plan.odt", ODT, _zip({"mimetype": ODT.encode(), "content.xml": b"<x/>"})),
    ("plan.docx", DOCX, _zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<x/>"})),
    ("chiffres.xlsx", XLSX, _xlsx()),
    ("visites.csv", "text/csv", "équipe;visites\nT1;120\n".encode("cp1252")),
    ("notes.txt", "text/plain; charset=utf-8", "Réunion du 20 novembre".encode()),
    ("photo.PNG", "image/png", PNG),
    ("photo.jpeg", "image/jpeg", b"\xff\xd8\xff\xe0" + b"\x00" * 16),
])
def test_allowed_files_are_shared_once_for_both_sides(
    session: Session, board: Board, filename: str, declared: str, data: bytes,
) -> None:
    before = _count(session, Document)
    document = share_document(session, board.committee, board.union, filename=filename,
                              declared_type=declared, data=data)
    assert _count(session, Document) == before + 1
    assert document.size == len(data) and document.content == data
    entry = session.scalars(select(JournalEntry).order_by(JournalEntry.seq.desc())).first()
    assert entry is not None and entry.action == "committee.document.shared"
    assert document.sha256 in entry.payload


@pytest.mark.parametrize("filename, declared, data, says", [
    # Wrong extension: the message lists what is allowed.
    ("outil.exe", "application/octet-stream", b"MZ\x90\x00", "Types permis : PDF"),
    ("page.html", "text/html", b"<script>alert(1)</script>", "Types permis"),
    # The name says PDF, the bytes say otherwise.
    ("rapport.pdf", "application/pdf", PNG, "n'est pas un fichier PDF"),
    ("plan.docx", DOCX, _zip({"autre.txt": b"x"}), "n'est pas un fichier DOCX"),
    ("plan.odt", ODT, _zip({"mimetype": b"application/zip"}), "n'est pas un fichier ODT"),
    ("notes.txt", "text/plain", b"MZ\x00\x01binary", "n'est pas un fichier TXT"),
    # The browser's declared type contradicts the extension.
    ("rapport.pdf", "text/html", PDF, "comme text/html"),
    ("vide.pdf", "application/pdf", b"", "Le fichier est vide"),
])
def test_refused_files_say_why_and_store_nothing(
    session: Session, board: Board, filename: str, declared: str, data: bytes, says: str,
) -> None:
    with pytest.raises(RecordError) as refused:
        share_document(session, board.committee, board.union, filename=filename,
                       declared_type=declared, data=data)
    assert says in refused.value.message()
    assert _count(session, Document) == 0


@pytest.mark.parametrize("raw, clean", [
    ("rapport.pdf", "rapport.pdf"),
    ("C:\\Users\\marie\\Procès-verbal.PDF", "Procès-verbal.pdf"),
    ("../../etc/passwd.txt", "passwd.txt"),
    ('a<b>:"c|d?*.csv', "a_b___c_d__.csv"),
    ("  .cachée .txt ", "cachée.txt"),  # no hidden files, no stray spaces
    ("tab\tnew\nline.txt", "tabnewline.txt"),  # control characters dropped
    ("..pdf", "document.pdf"),
    ("x" * 300 + ".pdf", "x" * 196 + ".pdf"),
])
def test_filenames_are_cleaned(raw: str, clean: str) -> None:
    assert clean_filename(raw) == clean


def _upload(client: TestClient, board: Board, name: str, data: bytes,
            kind: str) -> tuple[int, str]:
    page = f"/committees/{board.committee.id}/records"
    response = client.post(f"/committees/{board.committee.id}/documents",
                           data={"csrf_token": csrf_of(client.get(page).text)},
                           files={"file": (name, data, kind)}, follow_redirects=True)
    return response.status_code, unescape(response.text)


def test_each_download_is_logged_and_listed(browser: Browser, board: Board,
                                            session: Session) -> None:
    status, text = _upload(browser("union"), board, "Diagnostic SAD.pdf", PDF,
                           "application/pdf")
    assert status == 200 and "Diagnostic SAD.pdf" in text
    document_id = int(text.split('href="/documents/')[1].split('"')[0])
    employer = browser("employer")
    for expected in (1, 2):
        response = employer.get(f"/documents/{document_id}")
        assert response.status_code == 200 and response.content == PDF
        assert response.headers["content-disposition"].startswith(
            'attachment; filename="Diagnostic SAD.pdf"')
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["content-type"] == "application/pdf"
        assert _committed(session, DocumentAccess) == expected
    browser("union2").get(f"/documents/{document_id}")
    page = unescape(browser("union").get(f"/documents/{document_id}/accesses").text)
    assert page.count("<td>employer</td>") == 2 and page.count("<td>union2</td>") == 1


def test_non_member_cannot_download_and_leaves_no_trace(browser: Browser, board: Board,
                                                        session: Session) -> None:
    document = share_document(session, board.committee, board.union, filename="a.pdf",
                              declared_type="application/pdf", data=PDF)
    session.commit()
    assert browser("national").get(f"/documents/{document.id}").status_code == 404
    assert browser("lead").get(f"/documents/{document.id}").status_code == 403
    assert _committed(session, DocumentAccess) == 0


def test_oversized_upload_gets_the_limit_and_stores_nothing(browser: Browser, board: Board,
                                                            session: Session) -> None:
    data = b"%PDF-" + b"0" * MAX_DOCUMENT_BYTES
    status, text = _upload(browser("union"), board, "gros.pdf", data, "application/pdf")
    assert status == 400 and "la limite est de 10 Mo" in text
    assert _committed(session, Document) == 0


def test_wrong_type_upload_gets_the_allowed_list(browser: Browser, board: Board,
                                                 session: Session) -> None:
    status, text = _upload(browser("employer"), board, "macro.xlsm", b"PK\x03\x04",
                           "application/vnd.ms-excel.sheet.macroEnabled.12")
    assert status == 400 and "PDF, ODT, DOCX, ODS, XLSX, CSV, TXT, PNG, JPEG" in text
    assert _committed(session, Document) == 0


def test_non_ascii_name_survives_the_download(browser: Browser, board: Board,
                                              session: Session) -> None:
    document = share_document(session, board.committee, board.union,
                              filename="Procès-verbal « été ».pdf",
                              declared_type="application/pdf", data=PDF)
    session.commit()
    header = browser("employer").get(f"/documents/{document.id}").headers["content-disposition"]
    assert "filename*=UTF-8''Proc%C3%A8s-verbal%20%C2%AB%20%C3%A9t%C3%A9%20%C2%BB.pdf" in header
