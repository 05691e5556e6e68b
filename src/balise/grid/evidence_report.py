"""The evidence as plain data, for ``balise evidence --json`` and its table.

A suppressed group is written ``{"suppressed": true}`` and nothing else: neither its
figures nor the number of workers behind it leave the query layer.
"""

from __future__ import annotations

import math
from typing import Any

from balise.core.privacy import K_MIN, Guarded
from balise.grid import evidence as rules
from balise.grid.catalogue import Version
from balise.grid.evidence_queries import ActEvidence, Evidence, GroupFigures

QUANTILE_NAMES = ("median", "p80", "p90")


def _number(value: float | None, digits: int = 4) -> float | None:
    if value is None or math.isnan(value):
        return None
    return round(value, digits)


def _estimate(found: rules.Estimate | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {"value": _number(found.value), "low": _number(found.low),
            "high": _number(found.high)}


def _what_if(found: rules.WhatIf | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {"proposed": found.proposed, "visits": found.visits,
            "share_above": _number(found.share_above),
            "mean_excess": _number(found.mean_excess),
            "median_excess": _number(found.median_excess)}


def group_dict(group: Guarded[GroupFigures]) -> dict[str, Any]:
    if group.value is None:
        return {"suppressed": True}
    f = group.value
    return {
        "suppressed": False,
        "workers": group.workers,
        "visits": f.visits,
        "alone": f.alone,
        **{name: _estimate(q) for name, q in zip(QUANTILE_NAMES, f.quantiles, strict=True)},
        "share_above": _number(f.share_above),
        "overrun_per_team_week": _number(f.overrun_per_team_week),
        "what_if": _what_if(f.what_if),
    }


def _version(version: Version, flagged: Guarded[rules.WhatIf] | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {
        "minutes": version.minutes, "valid_from": version.valid_from.isoformat(),
        "adopted_by": version.adopted_by, "decision_ref": version.decision_ref,
        "decision_id": version.decision_id, "status": version.status,
    }
    if flagged is not None:
        found["flagged"] = {"suppressed": True} if flagged.value is None else {
            "suppressed": False, **(_what_if(flagged.value) or {})}
    return found


def act_dict(act: ActEvidence) -> dict[str, Any]:
    entry = act.entry
    return {
        "code": entry.act.code,
        "label_fr": entry.act.label_fr,
        "label_en": entry.act.label_en,
        "reference": _version(entry.current) if entry.current else None,
        "versions": [_version(v, flagged) for v, flagged in act.history],
        "overall": group_dict(act.overall),
        "by_iso_smaf": [{"profiles": [low, high], **group_dict(g)}
                        for (low, high), g in act.by_iso_smaf],
        "by_team": [{"team": team.code, "name": team.name, **group_dict(g)}
                    for team, g in act.by_team],
        "estimated_minutes": None if act.estimated_minutes.value is None
        else _number(act.estimated_minutes.value),
        "proposed": act.proposed,
    }


def evidence_dict(evidence: Evidence) -> dict[str, Any]:
    return {
        "today": evidence.today.isoformat(),
        "visits": evidence.visits.value,
        "team_weeks": evidence.team_weeks,
        "confidence": rules.CONFIDENCE,
        "k_min": K_MIN,
        "iso_smaf_groups": [list(g) for g in rules.ISO_SMAF_GROUPS],
        "acts": [act_dict(a) for a in evidence.acts],
    }
