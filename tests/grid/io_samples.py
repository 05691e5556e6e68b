"""Sample files for import tests, built over the fixed cast (tests/factories.py)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from balise.grid.models import Act, Visit, VisitAct
from balise.territory.models import CarePlanItem, Client, Worker

DAY = date(2026, 11, 16)

VISITS_FR = (
    "code_usager;equipe;matricule;date_visite;debut_fenetre;fin_fenetre;debut_prevu;"
    "duree_prevue_min;actes_prevus;actes_faits;statut;debut_reel;fin_reelle;deplacement_min;"
    "motifs_ecart"
)
VISIT_ROWS = [
    "U0000;T1;A0;2026-11-16;08:00;12:00;09:00;45;BAIN;BAIN;done;09:05;09:58;12;DETRESSE",
    "U0001;T1;A1;2026-11-16;08:00;12:00;10:00;45;BAIN;;planned;;;;",
    "U0002;T1;A0;2026-11-17;13:00;17:00;14:00;30;BAIN;BAIN|PLAIE;realisee;14:00;14:40;;",
    "U0001;T1;;2026-11-18;08:00;12:00;;45;BAIN;;;;;;",
]

CLIENTS_FR = "code_usager;equipe;latitude;longitude;profil_iso_smaf;intervenant_habituel;actif_depuis"
CLIENTS_EN = "client_code,team,latitude,longitude,iso_smaf_profile,usual_worker,active_since"
CLIENT_ROWS = [
    ("N0001", "T1", "46,812", "-71,215", "5", "A0", "2026-01-05"),
    ("N0002", "T4", "46,820", "-71,230", "9", "", "2026-02-01"),
]


def csv_file(header: str, rows: list[str]) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def clients_file(language: str) -> bytes:
    if language == "fr":
        return csv_file(CLIENTS_FR, [";".join(row) for row in CLIENT_ROWS])
    # English files use "," between cells, so decimals take a point.
    rows = [",".join(cell.replace(",", ".") for cell in row) for row in CLIENT_ROWS]
    return csv_file(CLIENTS_EN, rows)


def visits_file(rows: list[str] | None = None) -> bytes:
    return csv_file(VISITS_FR, VISIT_ROWS if rows is None else rows)


def counts(session: Session) -> dict[str, int]:
    """How many records of each kind are stored: an import that fails changes none."""
    session.expire_all()
    return {model.__name__: int(session.scalar(select(func.count()).select_from(model)) or 0)
            for model in (Act, Worker, Client, CarePlanItem, Visit, VisitAct)}
