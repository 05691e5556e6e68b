"""The sync's own refusals, each with a stable code and a message translated when shown."""

from __future__ import annotations

from typing import Any

from balise.core.errors import BaliseError, InvalidInput
from balise.core.i18n import gettext as _
from balise.core.i18n import lazy

MESSAGES: dict[str, str] = {
    "idempotency_key_missing": lazy("Each batch needs an Idempotency-Key header (a new UUID per batch, the same one for every retry of it); see docs/field-sync.md."),
    "idempotency_key_invalid": lazy("The Idempotency-Key header must have 1 to 255 visible characters."),
    "idempotency_key_reused": lazy("This Idempotency-Key was already used for a different batch; use a new key for new content."),
    "invalid_record": lazy("This record cannot be read (fields: {fields}); it was not applied."),
    "record_id_conflict": lazy("Another record was already received with this record id; the stored one is kept unchanged."),
    "not_on_visit_day": lazy("The times must fall on the day of the visit ({day})."),
    "superseded_other_device": lazy("Saved. Another device saved this visit later; its version is kept and your team lead sees both."),
    "superseded_same_device": lazy("Saved. A later version of this visit from this device is kept."),
}


class SyncError(BaliseError):
    """A refusal of the sync protocol (batch or record)."""

    def message(self) -> str:
        return _(MESSAGES.get(self.code, self.code)).format(**self.params)


class RecordOutsideDay(InvalidInput):
    def __init__(self, field: str, **params: Any) -> None:
        super().__init__(field, "not_on_visit_day", **params)

    def message(self) -> str:
        return text_of(self.code, **self.params)


def text_of(code: str, **params: Any) -> str:
    return _(MESSAGES[code]).format(**params)
