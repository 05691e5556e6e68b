"""The indicator catalogue (every formula, for everyone), defining a hand-entered
indicator, and entering or importing the figures Balise does not hold."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from balise.core.access import Role, Viewer
from balise.core.errors import BaliseError, InvalidInput
from balise.grid.io_schema import FileRefused
from balise.indicators.catalogue import change_definition, define_indicator, definitions
from balise.indicators.definitions import (
    DIRECTIONS,
    FAMILIES,
    PERIODS,
    SOURCES,
    UNITS,
    Definition,
    IndicatorInputError,
    unit_label,
)
from balise.indicators.entries import import_entries, parse_period, parse_value, record_entry
from balise.indicators.models import HandEntry, IndicatorDefinition
from balise.indicators.spc import Direction
from balise.territory.models import Team
from balise.web.access import EVERYONE, Allow, db_session
from balise.web.imports import MAX_UPLOAD_BYTES, upload_guard
from balise.web.request_guards import row_id
from balise.web.templating import render

router = APIRouter()
# Who may enter figures and define hand-entered indicators: the analyst who keeps the
# data, and committee members of both sides (their entries are journaled).
ENTERERS = (Role.ANALYST, Role.COMMITTEE_EMPLOYER, Role.COMMITTEE_UNION)
Enterer = Annotated[Viewer, Depends(Allow(*ENTERERS))]
Db = Annotated[Session, Depends(db_session)]
LABELS = {"families": FAMILIES, "units": UNITS, "directions": DIRECTIONS, "periods": PERIODS,
          "sources": SOURCES, "unit_label": unit_label}


@router.get("/indicators")
def catalogue(request: Request, viewer: Annotated[Viewer, Depends(Allow(*EVERYONE))],
              db: Db) -> Response:
    return _catalogue_page(request, db, viewer)


def _catalogue_page(request: Request, db: Session, viewer: Viewer,
                    error: BaliseError | None = None, saved: str = "",
                    form: dict[str, Any] | None = None) -> Response:
    known = definitions(db)
    return render(request, "indicators/catalogue.html", {
        **LABELS, "definitions": list(known.values()), "can_define": viewer.role in ENTERERS,
        "balancing_choices": [d for d in known.values() if not d.is_volume],
        "error": error, "saved": saved, "form": form or {},
    }, status=400 if error else 200)


@router.post("/indicators/definitions")
async def define(request: Request, viewer: Enterer, db: Db) -> Response:
    form = await request.form()
    values = {key: str(form.get(key) or "").strip() for key in (
        "code", "name_fr", "name_en", "family", "unit", "direction", "period", "formula_fr",
        "formula_en", "source_note", "target")}
    try:
        direction = Direction(values["direction"]) if values["direction"] in DIRECTIONS else None
        if direction is None:
            raise InvalidInput("direction", "unknown_choice")
        definition = Definition(
            code=values["code"].lower(), name_fr=values["name_fr"], name_en=values["name_en"],
            family=values["family"], source="manual", unit=values["unit"], direction=direction,
            period=values["period"], formula_fr=values["formula_fr"],
            formula_en=values["formula_en"], source_note=values["source_note"],
            balancing=tuple(str(c) for c in form.getlist("balancing")),
            target=parse_value(values["target"]) if values["target"] else None)
        stored = db.scalar(select(IndicatorDefinition.id)
                           .where(IndicatorDefinition.code == definition.code))
        if stored is None:
            define_indicator(db, definition, actor=viewer.user_id)
        else:
            change_definition(db, definition, actor=viewer.user_id)
    except InvalidInput as error:
        db.rollback()
        return _catalogue_page(request, db, viewer, error, form=values)
    return _catalogue_page(request, db, viewer, saved=definition.code)


def _entries_page(request: Request, db: Session, viewer: Viewer, *, status: int = 200,
                  **context: Any) -> Response:
    manual = [d for d in definitions(db).values() if d.source == "manual"]
    teams = list(db.scalars(select(Team).where(Team.establishment_id == viewer.establishment_id)
                            .order_by(Team.code)))
    recent = list(db.scalars(select(HandEntry)
                             .where(HandEntry.establishment_id == viewer.establishment_id)
                             .order_by(HandEntry.entered_at.desc(), HandEntry.id.desc())
                             .limit(50)))
    return render(request, "indicators/entries.html", {
        **LABELS, "manual": manual, "teams": teams, "team_codes": {t.id: t.code for t in teams},
        "recent": recent, "max_mb": MAX_UPLOAD_BYTES // (1024 * 1024), **context,
    }, status=status)


@router.get("/indicators/entries")
def entries(request: Request, viewer: Enterer, db: Db) -> Response:
    return _entries_page(request, db, viewer)


@router.post("/indicators/entries")
async def enter(request: Request, viewer: Enterer, db: Db) -> Response:
    form = await request.form()
    values = {key: str(form.get(key) or "").strip()
              for key in ("indicator", "team", "period", "value", "source")}
    try:
        if not values["indicator"]:
            raise InvalidInput("indicator", "required")
        team = values["team"]
        if team and row_id(team) is None:
            raise IndicatorInputError("team", "indicator_team_unknown")
        if not values["period"]:
            raise InvalidInput("period", "required")
        if not values["value"]:
            raise InvalidInput("value", "required")
        start: date = parse_period(values["period"])
        record_entry(db, establishment_id=viewer.establishment_id,
                     indicator_code=values["indicator"], team_id=row_id(team),
                     period_start=start, value=parse_value(values["value"]),
                     source_note=values["source"], actor=viewer.user_id)
    except InvalidInput as error:
        db.rollback()
        return _entries_page(request, db, viewer, status=400, error=error, form=values)
    return _entries_page(request, db, viewer, saved=values["indicator"])


@router.post("/indicators/entries/import")
async def import_figures(request: Request, _guard: Annotated[None, Depends(upload_guard)],
                         viewer: Enterer, db: Db) -> Response:
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _entries_page(request, db, viewer, status=400, error=FileRefused("no_file"))
    data = await upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        return _entries_page(request, db, viewer, status=413, error=FileRefused(
            "file_too_large", mb=MAX_UPLOAD_BYTES // (1024 * 1024)))
    report = await run_in_threadpool(import_entries, db, upload.filename, data,
                                     establishment_id=viewer.establishment_id,
                                     actor=viewer.user_id)
    if not report.ok:
        db.rollback()
    return _entries_page(request, db, viewer, status=200 if report.ok else 400, report=report)
