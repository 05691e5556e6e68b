"""Each worker's risk of ending late, in sentences, for ``balise plan --team``."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from balise.core.i18n import gettext as _
from balise.planner.team_day import DayPlan
from balise.territory.models import Worker


def risk_lines(session: Session, plan: DayPlan) -> list[str]:
    codes = {worker_id: code for worker_id, code in session.execute(
        select(Worker.id, Worker.code).where(Worker.id.in_(set(plan.risks))))}
    lines = []
    for worker_id, risk in sorted(plan.risks.items(), key=lambda item: codes.get(item[0], "")):
        above = risk > plan.max_risk
        template = (_("{worker}: risk of ending late {risk} % — above the team's maximum of "
                      "{max} %: what makes it late cannot be moved (double or sequenced "
                      "visits).") if above
                    else _("{worker}: risk of ending late {risk} %."))
        lines.append(template.format(worker=codes.get(worker_id, worker_id),
                                     risk=round(risk * 100), max=round(plan.max_risk * 100)))
    return lines
