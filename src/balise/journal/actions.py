"""Every action the journal knows, and the sentence that tells it in French or English.

One registry for the whole product: a capability that journals a new kind of action
adds its code here, with an English sentence (the msgid) and its French translation in
``locales/fr/LC_MESSAGES/journal.po``. Placeholders other than ``{ref}`` name payload
keys; :func:`check` refuses an entry whose payload lacks one, so the journal page never
shows a sentence with a hole. ``{ref}`` is the part of the subject after the colon
(``proposal:12`` gives ``12``).

Payload values shown in a sentence are codes or numbers, never free text: committee
text lives in both languages in its own table, and a sentence must read the same to
both sides whatever language each reads it in.
"""

from __future__ import annotations

import json
import string
from collections.abc import Mapping
from typing import Any, Protocol

from balise.core.i18n import gettext as _
from balise.core.i18n import lazy
from balise.journal.chain import canonical_payload

ACTIONS: dict[str, str] = {
    "committee.created": lazy("Committee #{ref} created."),
    "committee.member.added": lazy("A member of the {side} joined the committee."),
    "committee.member.changed": lazy("The seat of member #{ref} of the {side} changed."),
    "committee.member.removed": lazy("Member #{ref} of the {side} left the committee."),
    "committee.mandate.changed": lazy("Mandate of committee #{ref} changed."),
    "committee.project.created": lazy("Project #{ref} created."),
    "committee.project.phase_changed": lazy("Project #{ref} moved to its next phase by decision {decision}."),
    "committee.meeting.held": lazy("Meeting #{ref} recorded."),
    "committee.minutes.approved": lazy("Minutes of meeting #{ref} approved."),
    "committee.minutes.written": lazy("Minutes of meeting #{ref} written."),
    "committee.minutes.approval_given": lazy("Minutes of meeting #{ref} approved by a member of the {side}."),
    "committee.document.shared": lazy("Document #{ref} shared with the committee."),
    "committee.proposal.filed": lazy("Proposal #{ref} filed."),
    "committee.proposal.amended": lazy("Proposal #{ref} amended."),
    "committee.proposal.adopted": lazy("Proposal #{ref} adopted by consensus."),
    "committee.stance.recorded": lazy("Stance of the {side} recorded on proposal #{ref}."),
    "committee.decision.recorded": lazy("Decision #{ref} recorded."),
    "committee.contract.created": lazy("Consultant contract #{ref} registered."),
    "committee.contract.changed": lazy("Consultant contract #{ref} changed."),
    "grid.reference_time.changed": lazy("Reference time of act {act} set to {minutes} min from {valid_from}."),
    "indicators.definition.changed": lazy("Definition of indicator {ref} changed."),
    "indicators.definition.created": lazy("Indicator {ref} defined."),
    "indicators.set.adopted": lazy("Indicators of project #{ref} set by decision {decision}."),
    "indicators.entry.recorded": lazy("Value of indicator {indicator} entered for the period starting {period}."),
    "indicators.entries.imported": lazy("{count} indicator values imported from a file."),
    "planner.visit.moved": lazy("Visit #{ref} moved by hand from worker #{from_worker} on {from_day} to worker #{to_worker} on {to_day}, {warning_count} warnings shown."),
    "planner.visit.assigned": lazy("Visit #{ref}, which had no worker, assigned by hand to worker #{to_worker} on {to_day}, {warning_count} warnings shown."),
    "settings.collection.changed": lazy("Data collection settings changed."),
    "surveys.campaign.opened": lazy("Survey campaign #{ref} ({instrument}) opened for team {team}, from {opens_on} to {closes_on}."),
    "surveys.campaign.closed": lazy("Survey campaign #{ref} closed with {responses} responses."),
}

# Codes that appear in sentences and need words of their own in each language.
VALUES: dict[str, dict[str, str]] = {
    "side": {"union": lazy("union side"), "employer": lazy("employer side")},
    "instrument": {"cbi": lazy("Copenhagen Burnout Inventory"),
                   "client": lazy("client-experience questionnaire")},
}


class Describable(Protocol):
    @property
    def action(self) -> str: ...
    @property
    def subject(self) -> str: ...
    @property
    def payload(self) -> str: ...


def placeholders(action: str) -> set[str]:
    """The names a sentence uses, read from its English text."""
    return {name for _text, name, _spec, _conv in string.Formatter().parse(ACTIONS[action])
            if name}


def check(action: str, subject: str, payload: Mapping[str, Any]) -> str:
    """Refuse an entry the journal could not tell; return the payload as stored.

    These are mistakes in Balise's code, not in what a user typed, hence ValueError.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown journal action {action!r}: add it to balise.journal.actions.ACTIONS")
    if not subject:
        raise ValueError(f"journal action {action!r} needs a subject such as 'proposal:12'")
    missing = placeholders(action) - {"ref"} - set(payload)
    if missing:
        raise ValueError(f"journal action {action!r} needs payload keys {sorted(missing)}")
    for key, labels in VALUES.items():
        if key in placeholders(action) and payload[key] not in labels:
            raise ValueError(f"payload key {key!r} must be one of {sorted(labels)}")
    return canonical_payload(payload)


def sentence(action: str, subject: str, payload: Any) -> str:
    """The entry told in the current language; never raises, whatever the row holds."""
    template = ACTIONS.get(action)
    if template is None:
        return f"{action} {subject}"
    values: dict[str, Any] = dict(payload) if isinstance(payload, Mapping) else {}
    values["ref"] = subject.partition(":")[2] or subject
    for key, labels in VALUES.items():
        if values.get(key) in labels:
            values[key] = _(labels[values[key]])
    try:
        return _(template).format_map(values)
    except (KeyError, IndexError, ValueError):
        # A row changed behind the application's back can lack a key; the
        # verification reports that, the page must still show something.
        return f"{action} {subject}"


def describe(entry: Describable) -> str:
    """The sentence of a stored entry (its payload is the canonical JSON text)."""
    try:
        payload = json.loads(entry.payload)
    except ValueError:
        payload = {}
    return sentence(entry.action, entry.subject, payload)
