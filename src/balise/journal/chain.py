"""The hash chain, as pure functions: serialize, hash, verify, compare with a kept head.

Each entry's hash is the SHA-256 of the canonical JSON of its content and of the
previous entry's hash, so changing, removing, inserting or reordering any entry breaks
the chain from that point. What an internal check cannot see is a chain rewritten
consistently from some entry on, or a tail cut off: only a head kept outside the
database (count and hash, printed in the minutes or held in an export) reveals those,
which is why :func:`check_against_heads` exists.

``tools/verify_journal.py`` repeats :func:`canonical` and the walk of
:func:`check_against_heads` with the standard library alone, so that a committee member
need not trust Balise's code to check Balise's journal; a test keeps the two in step.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from balise.core.errors import InvalidInput
from balise.core.i18n import gettext as _
from balise.core.i18n import lazy

FORMAT = "balise-journal/1"
GENESIS = "0" * 64
_HEX64 = re.compile(r"[0-9a-f]{64}")

# The reason codes of a verification, each with the sentence shown for it.
INTACT, SEQUENCE, LINK, CONTENT, TRUNCATED, REWRITTEN = (
    "intact", "sequence", "link", "content", "truncated", "rewritten",
)
MESSAGES: dict[str, str] = {
    INTACT: lazy("The journal is intact. Entries: {count}. Head: {head}."),
    SEQUENCE: lazy("Entry {seq} is missing or out of place: entry number {found} stands where entry {seq} should be. Entries were removed, inserted or reordered."),
    LINK: lazy("Entry {seq} is not linked to the entry before it: that entry was changed, removed or inserted, or this link was altered."),
    CONTENT: lazy("Entry {seq} was changed after it was written: its content no longer matches its hash."),
    TRUNCATED: lazy("Entries in the journal: {count}; in the head you kept: {kept_count}. Entries were removed from the end of the journal."),
    REWRITTEN: lazy("Entry {seq} differs from the head you kept ({kept}): the journal was rewritten at that entry or before it."),
}


@dataclass(frozen=True, slots=True)
class ChainEntry:
    """One entry as plain data: what is hashed, plus the hashes it carries."""

    seq: int
    at: str
    establishment_id: int | None
    actor_user_id: int | None
    action: str
    subject: str
    payload: Any
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class Head:
    """The size and last hash of the journal; ``str(head)`` is what ``--head`` reads."""

    count: int
    hash: str

    def __str__(self) -> str:
        return f"{self.count}:{self.hash}"


@dataclass(frozen=True, slots=True)
class Verification:
    ok: bool
    count: int
    head_hash: str
    first_broken_seq: int | None = None
    reason_code: str = INTACT
    found_seq: int | None = None
    kept: Head | None = None

    @property
    def head(self) -> Head:
        return Head(self.count, self.head_hash)

    def message(self) -> str:
        """The result as one sentence in the current language."""
        return _(MESSAGES[self.reason_code]).format(
            count=self.count,
            head=self.head,
            seq=self.first_broken_seq,
            found=self.found_seq,
            kept=self.kept,
            kept_count=self.kept.count if self.kept else None,
        )


HEAD_FORMAT = lazy("A head reads COUNT:HASH: the number of entries, a colon and 64 hexadecimal characters, as printed in the minutes. “{value}” does not.")


class MalformedHead(InvalidInput, ValueError):
    """A head typed by a member (``--head``, a form) that does not read COUNT:HASH."""

    def __init__(self, value: str) -> None:
        super().__init__("head", "journal_head_malformed", value=value)

    def message(self) -> str:
        return _(HEAD_FORMAT).format(**self.params)


def parse_head(text: str) -> Head:
    """Read ``COUNT:HASH`` as printed in the minutes or by ``str(head)``."""
    count, sep, digest = text.strip().partition(":")
    digest = digest.lower()
    if not sep or not re.fullmatch(r"[0-9]+", count) or not _HEX64.fullmatch(digest):
        raise MalformedHead(text)
    return Head(int(count), digest)


def canonical_payload(payload: Mapping[str, Any]) -> str:
    """The payload as stored: canonical JSON, after refusing what would not hash stably.

    Floats are refused because their text differs between languages and libraries; a
    verifier written elsewhere must be able to recompute the same bytes. Dates and
    decimals become strings, which is what a reader needs anyway.
    """
    return canonical_json(_plain(payload, "payload"))


def _plain(value: Any, where: str) -> Any:
    if value is None or isinstance(value, bool | int | str):
        if isinstance(value, str):
            value.encode("utf-8")  # refuses lone surrogates, which UTF-8 cannot carry
        return value
    if isinstance(value, float):
        raise ValueError(f"{where} holds a float ({value!r}); journal it as a string or an integer")
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date | Decimal):
        return str(value)
    if isinstance(value, Mapping):
        if not all(isinstance(key, str) for key in value):
            raise ValueError(f"{where} has a key that is not a string")
        return {key: _plain(item, f"{where}.{key}") for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item, f"{where}[{i}]") for i, item in enumerate(value)]
    raise ValueError(f"{where} holds a {type(value).__name__}, which JSON cannot carry")


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 characters kept as they are."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical(entry: ChainEntry) -> bytes:
    """The exact bytes hashed for an entry (its own hash excluded, its link included)."""
    document = {
        "seq": entry.seq,
        "at": entry.at,
        "establishment_id": entry.establishment_id,
        "actor_user_id": entry.actor_user_id,
        "action": entry.action,
        "subject": entry.subject,
        "payload": entry.payload,
        "prev_hash": entry.prev_hash,
    }
    # surrogatepass: a tampered export may hold a lone surrogate; it must hash to
    # something (and mismatch), not crash the verification.
    return canonical_json(document).encode("utf-8", "surrogatepass")


def entry_hash(entry: ChainEntry) -> str:
    return hashlib.sha256(canonical(entry)).hexdigest()


def verify_entries(entries: Iterable[ChainEntry]) -> Verification:
    """Check the chain from within: numbering, links and every entry's own hash."""
    return check_against_heads(entries, ())


def check_against_head(
    entries: Iterable[ChainEntry], kept_count: int, kept_head_hash: str
) -> Verification:
    """Also compare with a head a member kept; catches truncation and a consistent rewrite."""
    return check_against_heads(entries, (Head(kept_count, kept_head_hash.lower()),))


def check_against_heads(entries: Iterable[ChainEntry], kept: Iterable[Head]) -> Verification:
    """Walk the chain once, stop judging at the first broken entry, and keep counting.

    Entries are taken in the order given: the database reads them by ``seq``, an export
    lists them, so a reordered export is judged as the reader would see it.
    """
    wanted = {head.count: head for head in kept}
    broken: tuple[int, str, int | None, Head | None] | None = None
    prev, count = GENESIS, 0
    if 0 in wanted and wanted[0].hash != GENESIS:
        broken = (1, REWRITTEN, None, wanted[0])
    for entry in entries:
        count += 1
        if broken is None:
            if entry.seq != count:
                broken = (count, SEQUENCE, entry.seq, None)
            elif entry.prev_hash != prev:
                broken = (count, LINK, None, None)
            elif entry.hash != entry_hash(entry):
                broken = (count, CONTENT, None, None)
            elif count in wanted and wanted[count].hash != entry.hash:
                broken = (count, REWRITTEN, None, wanted[count])
        prev = entry.hash
    head_hash = prev
    if broken is None:
        beyond = [head for head in wanted.values() if head.count > count]
        if beyond:
            shortest = min(beyond, key=lambda head: head.count)
            broken = (count + 1, TRUNCATED, None, shortest)
    if broken is None:
        return Verification(ok=True, count=count, head_hash=head_hash)
    seq, reason, found, head = broken
    return Verification(ok=False, count=count, head_hash=head_hash, first_broken_seq=seq,
                        reason_code=reason, found_seq=found, kept=head)


# --- exports -------------------------------------------------------------------------

_FIELDS = ("seq", "at", "establishment_id", "actor_user_id", "action", "subject",
           "payload", "prev_hash", "hash")


def entry_to_export(entry: ChainEntry) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in _FIELDS}


def entries_from_export(data: Mapping[str, Any]) -> list[ChainEntry]:
    """The entries of an export; refuses a file that is not one (ValueError).

    An entry with a field missing or added is kept, with an empty hash, so that the
    verification names it as broken: whoever edited the file must not get an error of
    use in place of a verdict.
    """
    if data.get("format") != FORMAT:
        raise ValueError(f"not a Balise journal export (format {data.get('format')!r})")
    rows = data.get("entries")
    if not isinstance(rows, list):
        raise ValueError("the export has no list of entries")
    entries = []
    for row in rows:
        fields: dict[str, Any] = row if isinstance(row, dict) else {}
        values: dict[str, Any] = {name: fields.get(name) for name in _FIELDS}
        entry = ChainEntry(**values)
        if set(fields) != set(_FIELDS):
            entry = replace(entry, hash="")
        entries.append(entry)
    return entries


def head_of_export(data: Mapping[str, Any]) -> Head:
    head = data.get("head")
    if not isinstance(head, dict):
        raise ValueError("the export has no head")
    return parse_head(f"{head.get('count')}:{head.get('hash')}")


def verify_export(data: Mapping[str, Any], kept: Sequence[Head] = ()) -> Verification:
    """An export checked as the standalone verifier does: its chain, its own printed
    head (so a cut or padded file is caught) and any head the member kept."""
    return check_against_heads(entries_from_export(data), (head_of_export(data), *kept))
