"""Shared documents: uploaded once, visible to every member of both sides, every opening logged.

A file is accepted only when three things agree: its extension is in the allowed list,
the type the browser declared fits that extension, and its first bytes (or, for office
files, the inside of the ZIP) really are of that kind. The stored type is the one
Balise checked, never the one the browser sent, so a download cannot be served as
something else.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from babel.numbers import format_decimal
from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer

from balise.accounts.models import User
from balise.committee.models import Committee, CommitteeMember, Document, DocumentAccess
from balise.committee.queries import access_committee
from balise.committee.record_errors import RecordError
from balise.core import clock
from balise.core.access import Viewer
from balise.core.errors import NotFound
from balise.core.i18n import current_language
from balise.journal.service import append

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
_MB = 1024 * 1024


def _starts(magic: bytes) -> Callable[[bytes], bool]:
    return lambda data: data.startswith(magic)


def _zip_names(data: bytes) -> list[str] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, ValueError):
        return None


def _opendocument(mimetype: str) -> Callable[[bytes], bool]:
    # ODF puts its type, uncompressed, in a first member named "mimetype".
    def check(data: bytes) -> bool:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                info = archive.getinfo("mimetype")
                return info.file_size < 200 and archive.read(info).decode("ascii") == mimetype
        except (zipfile.BadZipFile, KeyError, UnicodeDecodeError, ValueError):
            return False
    return check


def _office_open(part: str) -> Callable[[bytes], bool]:
    def check(data: bytes) -> bool:
        names = _zip_names(data)
        return names is not None and "[Content_Types].xml" in names and part in names
    return check


def _is_text(data: bytes) -> bool:
    # UTF-8 or Windows-1252 (what spreadsheets in Quebec still export), and no control
    # characters but tabs, line ends and page breaks: anything else is a binary file.
    if any(byte < 0x20 and byte not in (0x09, 0x0A, 0x0C, 0x0D) for byte in data):
        return False
    for encoding in ("utf-8", "cp1252"):
        try:
            data.decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    return False


@dataclass(frozen=True)
class FileKind:
    label: str
    content_type: str  # what Balise stores and serves
    declared: frozenset[str]  # what browsers may send for it
    check: Callable[[bytes], bool]


_ODT = "application/vnd.oasis.opendocument.text"
_ODS = "application/vnd.oasis.opendocument.spreadsheet"
_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_JPEG = FileKind("JPEG", "image/jpeg", frozenset({"image/jpeg", "image/pjpeg"}),
                 _starts(b"\xff\xd8\xff"))

KINDS: dict[str, FileKind] = {
    "pdf": FileKind("PDF", "application/pdf", frozenset({"application/pdf", "application/x-pdf"}),
                    _starts(b"%PDF-")),
    "odt": FileKind("ODT", _ODT, frozenset({_ODT}), _opendocument(_ODT)),
    "docx": FileKind("DOCX", _DOCX, frozenset({_DOCX}), _office_open("word/document.xml")),
    "ods": FileKind("ODS", _ODS, frozenset({_ODS}), _opendocument(_ODS)),
    "xlsx": FileKind("XLSX", _XLSX, frozenset({_XLSX}), _office_open("xl/workbook.xml")),
    # Windows browsers send CSV files as Excel's type when Excel is installed.
    "csv": FileKind("CSV", "text/csv", frozenset({"text/csv", "text/plain", "application/csv",
                                                  "application/vnd.ms-excel",
                                                  "text/comma-separated-values"}), _is_text),
    "txt": FileKind("TXT", "text/plain", frozenset({"text/plain"}), _is_text),
    "png": FileKind("PNG", "image/png", frozenset({"image/png"}), _starts(b"\x89PNG\r\n\x1a\n")),
    "jpg": _JPEG,
    "jpeg": _JPEG,
}
ALLOWED_TEXT = "PDF, ODT, DOCX, ODS, XLSX, CSV, TXT, PNG, JPEG"


def megabytes(size: int) -> str:
    return format_decimal(size / _MB, format="#,##0.0",
                          locale="fr_CA" if current_language() == "fr" else "en_CA")


def check_size(size: int) -> None:
    if size > MAX_DOCUMENT_BYTES:
        raise RecordError("file", "file_too_large", size=megabytes(size),
                          limit=MAX_DOCUMENT_BYTES // _MB)
    if size == 0:
        raise RecordError("file", "file_empty")


def clean_filename(raw: str) -> str:
    """A name safe to store and to send back: no folders, no control characters, no
    characters Windows refuses, at most 200 characters, its extension kept."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFC", name)
    name = "".join(" " if unicodedata.category(ch)[0] == "Z" else ch for ch in name
                   if unicodedata.category(ch)[0] != "C")
    name = re.sub(r'[<>:"|?*]', "_", name)
    name = re.sub(r"\s+", " ", name).strip()
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    stem = stem.strip(" .") or "document"  # no hidden files, no name made of dots
    extension = extension.strip().lower()[:10]
    stem = stem[: 200 - len(extension) - 1]
    return f"{stem}.{extension}" if extension else stem


def checked_kind(filename: str, declared: str, data: bytes) -> FileKind:
    """The kind of an upload, or the refusal that tells the member what went wrong."""
    extension = filename.rpartition(".")[2].lower() if "." in filename else ""
    kind = KINDS.get(extension)
    if kind is None:
        raise RecordError("file", "file_type", allowed=ALLOWED_TEXT)
    declared_type = declared.split(";")[0].strip().lower()
    if declared_type not in kind.declared:
        raise RecordError("file", "file_declared_type", declared=declared_type or "?",
                          extension=f".{extension}")
    if not kind.check(data):
        raise RecordError("file", "file_content", kind=kind.label)
    return kind


def share_document(session: Session, committee: Committee, member: CommitteeMember, *,
                   filename: str, declared_type: str, data: bytes) -> Document:
    """Store a file once for the whole committee; refuse it whole, or keep it whole."""
    if member.committee_id != committee.id or not member.active:
        raise NotFound()
    check_size(len(data))
    name = clean_filename(filename)
    kind = checked_kind(name, declared_type, data)
    digest = hashlib.sha256(data).hexdigest()
    document = Document(committee_id=committee.id, filename=name,
                        content_type=kind.content_type, size=len(data), sha256=digest,
                        content=data, uploaded_by=member.user_id, uploaded_at=clock.now())
    session.add(document)
    session.flush()
    append(session, action="committee.document.shared", subject=f"document:{document.id}",
           payload={"sha256": digest, "size": len(data)}, actor_user_id=member.user_id,
           establishment_id=committee.establishment_id)
    return document


def access_document(session: Session, viewer: Viewer, document_id: int) -> Document:
    # The content stays in the database until a download asks for it.
    document = session.get(Document, document_id, options=[defer(Document.content)])
    if document is None:
        raise NotFound()
    access_committee(session, viewer, document.committee_id)
    return document


def open_document(session: Session, document: Document, user_id: int) -> bytes:
    """The file's bytes, after writing down who opened it and when."""
    session.add(DocumentAccess(document_id=document.id, user_id=user_id, at=clock.now()))
    session.flush()
    return document.content


@dataclass(frozen=True)
class DocumentLine:
    document: Document
    uploaded_by: str
    openings: int

    @property
    def size_text(self) -> str:
        return megabytes(self.document.size)


def documents(session: Session, committee: Committee) -> list[DocumentLine]:
    openings = (select(func.count()).where(DocumentAccess.document_id == Document.id)
                .correlate(Document).scalar_subquery())
    rows = session.execute(
        select(Document, User.display_name, openings)
        .join(User, User.id == Document.uploaded_by)
        .where(Document.committee_id == committee.id)
        .options(defer(Document.content))
        .order_by(Document.uploaded_at.desc(), Document.id.desc())
    )
    return [DocumentLine(document, name, count) for document, name, count in rows]


def accesses(session: Session, document: Document) -> list[tuple[str, datetime]]:
    """Who opened the document and when, most recent first."""
    rows = session.execute(
        select(User.display_name, DocumentAccess.at)
        .join(User, User.id == DocumentAccess.user_id)
        .where(DocumentAccess.document_id == document.id)
        .order_by(DocumentAccess.at.desc(), DocumentAccess.id.desc())
    )
    return [(name, at) for name, at in rows]
