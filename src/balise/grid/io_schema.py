"""The column schema of every kind of file Balise imports and exports.

One declarative table per kind (acts, workers, clients, care plans, visits): each column
has a French header, an English header, a type, whether it is required, and each kind
names the columns of its natural key, the key that makes importing the same file twice
create nothing new. ``docs/imports.md`` describes the same tables for people; a test
checks that it lists every header.

What can be wrong with a file is said here too: :class:`ImportProblem` is an
:class:`~balise.core.errors.ImportRowError` (file, line, column, value) whose reason
comes from :data:`IMPORT_MESSAGES`, the codes of this capability.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from balise.core.errors import MESSAGES, BaliseError, ImportRowError
from balise.core.i18n import gettext as _
from balise.core.i18n import lazy
from balise.grid.models import LINK_KINDS, VISIT_STATUSES
from balise.territory.models import PROFESSIONS


class Kind(StrEnum):
    ACTS = "acts"
    WORKERS = "workers"
    CLIENTS = "clients"
    CARE_PLANS = "care_plans"
    VISITS = "visits"


KIND_LABELS: dict[Kind, str] = {
    Kind.ACTS: lazy("Acts"),
    Kind.WORKERS: lazy("Workers"),
    Kind.CLIENTS: lazy("Clients"),
    Kind.CARE_PLANS: lazy("Care plans"),
    Kind.VISITS: lazy("Visits (planned and realized)"),
}

# The reason of each code, in English (the msgid); imports.po gives French.
IMPORT_MESSAGES: dict[str, str] = {
    "not_collected_skipped": lazy("Not recorded: {key} are not collected since decision {decision}; the rest of the row is imported."),
    "unknown_column": lazy("This column is not in the schema of this kind of file. Expected columns: {columns}."),
    "identifying_column": lazy("Clients are pseudonymous: a column that identifies a person is refused. Remove it and keep only the client code."),
    "missing_column": lazy("This required column is missing."),
    "duplicate_column": lazy("This column appears twice."),
    "extra_cell": lazy("This cell has a value but its column has no header."),
    "empty_file": lazy("The file holds no header row."),
    "unreadable_file": lazy("The file cannot be read as CSV or Excel (xlsx): {detail}"),
    "not_utf8": lazy('The file is not in UTF-8. In Excel, save it as "CSV UTF-8".'),
    "too_many_rows": lazy("The file has more than {n} rows; split it."),
    "file_too_large": lazy("The file is larger than {mb} MB; split it into smaller files."),
    "no_file": lazy("Choose a file to import."),
    "unknown_kind": lazy("Choose what the file holds: {kinds}."),
    "acts_admin_only": lazy("The catalogue of acts is shared by every establishment: only an "
                            "administrator imports it."),
    "text_too_long": lazy("At most {n} characters."),
    "not_a_decimal": lazy("Enter a number such as 46.812."),
    "not_a_boolean": lazy("Enter oui or non (yes or no)."),
    "choice_not_in_list": lazy("Choose one of: {choices}."),
    "unknown_team": lazy("No team has this code in the establishment."),
    "unknown_worker": lazy("No worker has this code in the establishment."),
    "unknown_client": lazy("No client has this code in the establishment."),
    "unknown_act": lazy("No act has the code {act_code}."),
    "unknown_reason": lazy("No variance reason has the code {reason_code}."),
    "profession_not_allowed": lazy("The act {act} is not done by this profession; allowed: {allowed}."),
    "duplicate_key": lazy("This row has the same key ({key}) as line {first_line}; a file holds each record once."),
    "realized_needs_status": lazy('Realized times are given but the status is "planned"; use done or not_done.'),
    "visit_too_long": lazy("A visit cannot last more than {hours} hours."),
    "delay_order": lazy("The maximum delay is smaller than the minimum delay."),
    "delay_without_link": lazy("A delay belongs to a need that follows another: give the act it follows."),
    "link_kind_without_group": lazy("A link type needs a link group: the label shared by the two linked visits."),
    "unknown_format": lazy("Choose a format among: {formats}."),
    "fhir_visits_only": lazy("Only visits export as FHIR; choose CSV or Excel."),
    "period_too_long": lazy("Choose a period of at most {days} days."),
    "period_reversed": lazy("The end of the period comes before its start."),
    "export_too_large": lazy("This export would hold more than {n} records; choose a shorter period, or use the balise export command."),
}


class ImportProblem(ImportRowError):
    """One thing wrong in an imported file, with where it is and why."""

    def reason(self) -> str:
        template = IMPORT_MESSAGES.get(self.code) or MESSAGES.get(self.code, self.code)
        return _(template).format(**self.params)

    def message(self) -> str:
        return _("{file}, line {line}, column {column} ({value!r}): {reason}").format(
            file=self.file, line=self.line, column=self.column, value=self.value,
            reason=self.reason(),
        )


class FileRefused(BaliseError):
    """A whole import or export request is refused (file too large, no file, a format
    this kind has not)."""

    def message(self) -> str:
        template = IMPORT_MESSAGES.get(self.code) or MESSAGES.get(self.code, self.code)
        return _(template).format(**self.params)


class ColumnType(StrEnum):
    TEXT = "text"
    INT = "int"
    DECIMAL = "decimal"
    DATE = "date"
    TIME = "time"  # HH:MM, held as minutes after midnight (24:00 allowed for an end)
    CHOICE = "choice"
    LIST = "list"  # values separated by "|", held as a sorted tuple (order carries no meaning)
    BOOL = "bool"


TYPE_LABELS: dict[ColumnType, str] = {
    ColumnType.TEXT: lazy("Text"),
    ColumnType.INT: lazy("Whole number"),
    ColumnType.DECIMAL: lazy("Decimal number"),
    ColumnType.DATE: lazy("Date (YYYY-MM-DD)"),
    ColumnType.TIME: lazy("Time (HH:MM)"),
    ColumnType.CHOICE: lazy("Code from a list"),
    ColumnType.LIST: lazy("Codes separated by |"),
    ColumnType.BOOL: lazy("oui or non (yes or no)"),
}


@dataclass(frozen=True)
class Column:
    name: str
    fr: str
    en: str
    type: ColumnType
    required: bool = False
    choices: tuple[str, ...] = ()  # for CHOICE, and for LIST when its items are fixed codes
    low: float | None = None
    high: float | None = None
    duration: bool = False  # a negative value is "a negative duration", not just out of range
    max_length: int = 200
    default: Any = None

    def header(self, language: str) -> str:
        return self.fr if language == "fr" else self.en


@dataclass(frozen=True)
class Schema:
    kind: Kind
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    # Whether a header that names a person is refused with its own message (not for
    # workers, whose name is part of the record).
    pseudonymous: bool = True
    by_name: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {c.name: c for c in self.columns})

    def headers(self, language: str) -> list[str]:
        return [c.header(language) for c in self.columns]

    def lookup(self) -> dict[str, Column]:
        """Normalized header (either language) -> column."""
        found: dict[str, Column] = {}
        for column in self.columns:
            found[normalize_header(column.fr)] = column
            found[normalize_header(column.en)] = column
        return found


def normalize_header(text: str) -> str:
    """``Début prévu`` and ``debut_prevu`` name the same column: no accents, no case,
    spaces and dashes as underscores."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    for sep in (" ", "-", "."):
        plain = plain.replace(sep, "_")
    return "_".join(part for part in plain.split("_") if part)


# Words that, in a header, point at a person's identity. Clients are stored under a
# code only (territory/models.py); a file carrying names is refused, never silently
# trimmed, so that whoever built it learns it should not exist.
IDENTIFYING_WORDS = frozenset({
    "nom", "prenom", "name", "surname", "firstname", "lastname", "fullname", "nam", "ramq",
    "naissance", "birth", "dob", "telephone", "phone", "adresse", "address", "courriel",
    "email", "nas", "sin",
})


def names_a_person(header: str) -> bool:
    return any(word in IDENTIFYING_WORDS for word in normalize_header(header).split("_"))


# French spellings accepted on import for coded values; exports write the codes, which
# read the same in both languages.
CHOICE_ALIASES: dict[str, str] = {
    "infirmiere": "nurse", "infirmier": "nurse",
    "infirmiere_auxiliaire": "nursing_assistant", "infirmier_auxiliaire": "nursing_assistant",
    "auxiliaire": "auxiliary", "asss": "auxiliary",
    "ergotherapeute": "occupational_therapist", "physiotherapeute": "physiotherapist",
    "travailleuse_sociale": "social_worker", "travailleur_social": "social_worker",
    "nutritionniste": "dietitian", "dietetiste": "dietitian",
    "planifiee": "planned", "realisee": "done", "non_realisee": "not_done",
    "annulee": "cancelled",
}

_PROFESSIONS = tuple(PROFESSIONS)
_T, _I, _D = ColumnType.TEXT, ColumnType.INT, ColumnType.DECIMAL
_TIME, _LIST = ColumnType.TIME, ColumnType.LIST


def _code(name: str, fr: str, en: str, required: bool = True) -> Column:
    return Column(name, fr, en, _T, required=required, max_length=32)


# A sequence's delay (minutes after the first visit ends), a second window, optional:
# the same columns for care-plan needs and for visits (``grid/models.py``).
_DELAYS_WINDOW2_OPTIONAL = (
    Column("delay_min", "delai_min", "delay_min", _I, low=0, high=16 * 60, duration=True),
    Column("delay_max", "delai_max", "delay_max", _I, low=0, high=16 * 60, duration=True),
    Column("window2_start", "debut_fenetre_2", "window2_start", _TIME),
    Column("window2_end", "fin_fenetre_2", "window2_end", _TIME),
    Column("optional", "facultatif", "optional", ColumnType.BOOL, default=False),
)
_LINKED_NEED = (
    Column("workers_needed", "intervenants_requis", "workers_needed", _I, low=1, high=2,
           default=1),
    _code("follows_act", "apres_acte", "follows_act", required=False),
    *_DELAYS_WINDOW2_OPTIONAL,
)

SCHEMAS: dict[Kind, Schema] = {
    Kind.ACTS: Schema(Kind.ACTS, (
        _code("code", "code_acte", "act_code"),
        Column("label_fr", "libelle_fr", "label_fr", _T, required=True),
        Column("label_en", "libelle_en", "label_en", _T, required=True),
        Column("professions", "titres_emploi", "professions", _LIST, choices=_PROFESSIONS,
               default=()),
    ), key=("code",)),
    Kind.WORKERS: Schema(Kind.WORKERS, (
        _code("code", "matricule", "worker_code"),
        _code("team", "equipe", "team"),
        Column("name", "nom", "name", _T, required=True),
        Column("profession", "titre_emploi", "profession", ColumnType.CHOICE, required=True,
               choices=_PROFESSIONS),
        Column("skills", "competences", "skills", _LIST, default=()),
        Column("active", "actif", "active", ColumnType.BOOL, default=True),
    ), key=("code",), pseudonymous=False),
    Kind.CLIENTS: Schema(Kind.CLIENTS, (
        _code("code", "code_usager", "client_code"),
        _code("team", "equipe", "team"),
        Column("lat", "latitude", "latitude", _D, required=True, low=-90, high=90),
        Column("lon", "longitude", "longitude", _D, required=True, low=-180, high=180),
        Column("iso_smaf", "profil_iso_smaf", "iso_smaf_profile", _I, required=True,
               low=1, high=14),
        _code("usual_worker", "intervenant_habituel", "usual_worker", required=False),
        Column("active_since", "actif_depuis", "active_since", ColumnType.DATE, required=True),
    ), key=("code",)),
    Kind.CARE_PLANS: Schema(Kind.CARE_PLANS, (
        _code("client", "code_usager", "client_code"),
        _code("act", "code_acte", "act_code"),
        Column("profession", "titre_emploi", "profession", ColumnType.CHOICE, required=True,
               choices=_PROFESSIONS),
        Column("times_per_week", "fois_par_semaine", "times_per_week", _I, required=True,
               low=1, high=21),
        Column("window_start", "debut_fenetre", "window_start", _TIME, required=True),
        Column("window_end", "fin_fenetre", "window_end", _TIME, required=True),
        *_LINKED_NEED,
    ), key=("client", "act", "profession")),
    Kind.VISITS: Schema(Kind.VISITS, (
        _code("client", "code_usager", "client_code"),
        _code("team", "equipe", "team"),
        _code("worker", "matricule", "worker_code", required=False),
        Column("day", "date_visite", "visit_date", ColumnType.DATE, required=True),
        Column("window_start", "debut_fenetre", "window_start", _TIME, required=True),
        Column("window_end", "fin_fenetre", "window_end", _TIME, required=True),
        Column("planned_start", "debut_prevu", "planned_start", _TIME),
        Column("planned_minutes", "duree_prevue_min", "planned_minutes", _I, required=True,
               low=1, high=16 * 60, duration=True),
        Column("acts", "actes_prevus", "planned_acts", _LIST, required=True),
        Column("acts_done", "actes_faits", "acts_done", _LIST, default=()),
        Column("status", "statut", "status", ColumnType.CHOICE, choices=tuple(VISIT_STATUSES)),
        Column("realized_start", "debut_reel", "realized_start", _TIME),
        Column("realized_end", "fin_reelle", "realized_end", _TIME),
        Column("travel_minutes", "deplacement_min", "travel_minutes", _I, low=0, high=600,
               duration=True),
        Column("reasons", "motifs_ecart", "variance_reasons", _LIST, default=()),
        _code("link_group", "groupe_lien", "link_group", required=False),
        Column("link_kind", "type_lien", "link_kind", ColumnType.CHOICE,
               choices=tuple(LINK_KINDS)),
        *_DELAYS_WINDOW2_OPTIONAL,
    ), key=("client", "day", "planned_start", "acts", "worker")),
}
