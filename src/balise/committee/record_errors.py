"""The refusals of committee records (meetings, documents, contracts), with their words.

They are ``InvalidInput`` so the web layer answers 400 with the message beside the
form, and the CLI prints it. The messages live here rather than in
``core/errors.MESSAGES`` because only committee records raise them.
"""

from __future__ import annotations

from typing import Any

from balise.core.errors import MESSAGES, InvalidInput
from balise.core.i18n import gettext as _
from balise.core.i18n import lazy

RECORD_MESSAGES: dict[str, str] = {
    "minutes_approved": lazy("These minutes are approved; they can no longer be changed."),
    "minutes_empty": lazy("Write the minutes before approving them."),
    "minutes_not_voting": lazy("Only a voting member, or the substitute of one, approves the minutes."),
    "not_of_committee": lazy("This item does not belong to this committee."),
    "file_too_large": lazy("The file is {size} MB; the limit is {limit} MB."),
    "file_empty": lazy("The file is empty."),
    "file_type": lazy("Files of this type cannot be shared. Allowed: {allowed}."),
    "file_declared_type": lazy("The browser sent this file as {declared}, which does not match its extension {extension}."),
    "file_content": lazy("The content of this file is not a {kind} file, despite its name."),
    "justification_required": lazy("A contract given without tender needs its justification."),
    "not_an_amount": lazy("Enter an amount in dollars, such as 27 540,00."),
    "negative_amount": lazy("An amount cannot be negative."),
    "establishment_not_covered": lazy("This committee does not cover that establishment."),
    "smtp_not_configured": lazy("No mail server is configured: set BALISE_SMTP_URL (for example smtp://localhost:25)."),
    "smtp_url": lazy("The mail server URL {url} is not valid; expected smtp://host:port or smtps://host:port."),
    "mail_domain_required": lazy("Give the mail domain of the members' addresses."),
}


class RecordError(InvalidInput):
    """``RecordError("file", "file_too_large", size=12, limit=10)``."""

    def message(self) -> str:
        template = RECORD_MESSAGES.get(self.code) or MESSAGES.get(self.code, self.code)
        params: dict[str, Any] = self.params
        return _(template).format(**params)
