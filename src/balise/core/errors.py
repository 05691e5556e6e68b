"""Domain errors: each carries a stable code and a message translated when shown.

Hierarchy::

    BaliseError                 anything Balise refuses, with a code and parameters
      ConfigError               a setting or the environment is wrong (start-up)
      DatabaseUnavailable       the database cannot be reached
      NotFound                  does not exist, or is not yours (same answer for both)
      Forbidden                 your role may not do this
      InvalidInput              a field of a form or record is wrong (field + reason)
        ImportRowError          one row of an imported file (file, line, column, value)

The web and CLI layers present them; capabilities only raise them.
"""

from __future__ import annotations

from typing import Any

from balise.core.i18n import gettext as _
from balise.core.i18n import lazy

# The message of each code, in English (the msgid); the catalog gives French.
MESSAGES: dict[str, str] = {
    "database_url_malformed": lazy("The database URL is malformed: {url}. Expected for example sqlite:///var/balise.sqlite3 or postgresql+psycopg://user@host/db."),
    "database_url_unsupported": lazy("The database URL names an unsupported engine: {url}. Balise works with SQLite and PostgreSQL."),
    "database_unreachable": lazy("The database cannot be reached ({url}): {detail}"),
    "database_durability": lazy("The database does not guarantee durable commits ({detail}); Balise refuses to start."),
    "setting_not_integer": lazy("The setting {name} must be a whole number, not {value}."),
    "setting_routing_engine": lazy("The routing engine {value} is not known; choose osrm or valhalla."),
    "setting_language": lazy("The language {value} is not available; choose fr or en."),
    "not_found": lazy("This page or object does not exist, or you do not have access to it."),
    "forbidden": lazy("Your role does not allow this action."),
    "required": lazy("This field is required."),
    "not_a_number": lazy("Enter a whole number."),
    "not_a_date": lazy("Enter a date as YYYY-MM-DD."),
    "not_a_time": lazy("Enter a time as HH:MM."),
    "end_before_start": lazy("The end comes before the start."),
    "negative_duration": lazy("A duration cannot be negative."),
    "out_of_range": lazy("The value must be between {low} and {high}."),
    "past_retention": lazy("Saved more than {days} days ago, past the retention period: "
                           "no longer accepted."),
    "unknown_choice": lazy("This choice is not in the list."),
    "username_taken": lazy("This user name is already taken."),
    "password_too_short": lazy("The password must have at least {n} characters."),
    "password_too_common": lazy("This password is among the most common ones; choose another."),
    "bad_credentials": lazy("Wrong user name or password."),
    "too_many_attempts": lazy("Too many attempts; try again in {minutes} minutes."),
    "not_collected": lazy("This kind of record ({key}) is not collected since decision {decision}."),
    "proposal_closed": lazy("This proposal is no longer open."),
    "csrf": lazy("The form expired or did not come from Balise; reload the page and try again."),
    "nul_character": lazy("The field {name} holds a NUL character, which cannot be stored; remove it."),
}


class BaliseError(Exception):
    code = "error"

    def __init__(self, code: str | None = None, **params: Any) -> None:
        self.code = code or self.code
        self.params = params
        super().__init__(self.code)

    def message(self) -> str:
        template = MESSAGES.get(self.code, self.code)
        return _(template).format(**self.params)

    def __str__(self) -> str:
        return self.message()


class ConfigError(BaliseError):
    pass


class DatabaseUnavailable(BaliseError):
    code = "database_unreachable"


class NotFound(BaliseError):
    code = "not_found"


class Forbidden(BaliseError):
    code = "forbidden"


class InvalidInput(BaliseError):
    """A field is wrong. ``field`` names it so a form can show the message beside it."""

    def __init__(self, field: str, code: str, **params: Any) -> None:
        self.field = field
        super().__init__(code, **params)


class ImportRowError(InvalidInput):
    def __init__(
        self, file: str, line: int, column: str, value: str, code: str, **params: Any
    ) -> None:
        self.file, self.line, self.column, self.value = file, line, column, value
        super().__init__(column, code, **params)

    def message(self) -> str:
        return _("{file}, line {line}, column {column} ({value!r}): {reason}").format(
            file=self.file,
            line=self.line,
            column=self.column,
            value=self.value,
            reason=super().message(),
        )
