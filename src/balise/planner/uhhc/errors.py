"""Why a UHHC instance or solution file is refused.

Each error names the file and the field path inside it (``patients[3].time_windows[0].end``)
so that whoever wrote the file can find the value; the reason is a translated sentence
chosen by a stable code.
"""

from __future__ import annotations

from typing import Any

from balise.core.errors import BaliseError
from balise.core.i18n import gettext as _
from balise.core.i18n import lazy

# The reasons, in English (the msgid); uhhc.po gives French.
REASONS: dict[str, str] = {
    "required": lazy("this field is required."),
    "not_object": lazy("expected an object (key: value)."),
    "not_list": lazy("expected a list."),
    "not_string": lazy("expected a non-empty text."),
    "not_number": lazy("expected a number."),
    "not_integer": lazy("expected a whole number."),
    "not_boolean": lazy("expected true or false."),
    "not_pair": lazy("expected an object {{{first}, {second}}} or a list of two numbers."),
    "negative": lazy("the value cannot be negative."),
    "not_positive": lazy("the value must be greater than zero."),
    "end_before_start": lazy("the end ({end}) comes before the start ({start})."),
    "max_below_min": lazy("the maximum ({max}) is below the minimum ({min})."),
    "windows_unordered": lazy("the time windows must be in order and must not overlap."),
    "empty_list": lazy("the list cannot be empty."),
    "too_many_services": lazy("a patient requires one or two services, not {count}."),
    "duplicate_id": lazy("the identifier {id} is used twice."),
    "unknown_service": lazy("the service {id} is not in the list of services."),
    "unknown_caregiver": lazy("the caregiver {id} is not in the list of caregivers."),
    "unknown_terminal": lazy("the terminal point {id} is not in the list of terminal points."),
    "unknown_choice": lazy("the value {value} is not one of: {choices}."),
    "unknown_component": lazy("the cost component {name} is not known; known ones: {choices}."),
    "matrix_size": lazy("the distance matrix must have {expected} rows and columns (terminal points + patients), not {actual}."),
    "row_size": lazy("this row must have {expected} values, not {actual}."),
    "index_out_of_range": lazy("the index {index} is outside the distance matrix (0 to {last})."),
    "index_taken": lazy("the matrix index {index} is already used by {other}."),
    "sync_single_service": lazy("a synchronisation needs two required services; this patient has one."),
    "sync_missing": lazy("a patient with two services needs a synchronisation (independent, simultaneous or sequential)."),
    "sync_distance_missing": lazy("a sequential synchronisation needs a distance {{min, max}}."),
    "same_service_type": lazy("the two services of a patient must be of different types (both are {type})."),
    "no_duration": lazy("no duration here and no default_duration for the service {id}."),
    "lunch_spec_missing": lazy("a caregiver takes a lunch break but the instance has no lunch_breaks."),
    "depot_entries": lazy("depot entries in a route are not supported; list patient visits only."),
}


class UhhcFormatError(BaliseError):
    """A UHHC file is refused: says which file and field path, and why."""

    code = "uhhc_format"

    def __init__(self, file: str, path: str, code: str, **params: Any) -> None:
        self.file, self.path = file, path
        super().__init__(code, **params)

    def reason(self) -> str:
        return _(REASONS[self.code]).format(**self.params)

    def message(self) -> str:
        return _("{file}, field {path}: {reason}").format(
            file=self.file, path=self.path or _("(the whole file)"), reason=self.reason()
        )


class UhhcFileError(BaliseError):
    """The file cannot be opened or is not JSON at all."""

    code = "uhhc_unreadable"

    def message(self) -> str:
        return _("The UHHC file {file} cannot be read: {detail}").format(**self.params)
