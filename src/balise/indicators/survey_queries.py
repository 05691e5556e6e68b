"""Reading surveys: who reaches which campaign, and results with every suppression applied.

Every figure leaving this module has passed the rules of :mod:`balise.indicators.disclosure`:

* a campaign's scale mean only with at least 5 respondents scored on that scale, and
  only once the campaign is over (a result shown at 5 answers and again at 6 would give
  away the sixth);
* an item's distribution of answers only with at least 10 answers to that item;
* the by-team tables of an establishment hide their total when a small campaign could be
  recovered from it (every other campaign is already shown on its own page, so hiding
  another cell would protect nothing);
* :func:`survey_series`, what the indicators read, pools only campaigns publishable on
  their own, so no series over any set of teams can reveal a small one by difference.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from balise.core import clock
from balise.core.access import Role, Viewer, require_establishment
from balise.core.errors import NotFound
from balise.indicators.disclosure import (
    K_DISTRIBUTIONS,
    K_MEANS,
    Cell,
    Table,
    suppress_complementary,
    threshold,
)
from balise.indicators.survey_models import SurveyCampaign, SurveyParticipation, SurveyResponse
from balise.indicators.surveys import (
    INSTRUMENTS,
    SCALES,
    Instrument,
    Item,
    Scale,
    scale_score,
    summarize,
)
from balise.territory.models import Establishment, Team
from balise.territory.queries import access_team, access_team_aggregates, visible_teams

# --- access: one function per way of reaching a campaign --------------------------------


def access_campaign_results(session: Session, viewer: Viewer, campaign_id: int) -> SurveyCampaign:
    """Results: whoever may see the team's aggregates (not workers); same answer for
    missing and not yours."""
    campaign = session.get(SurveyCampaign, campaign_id)
    if campaign is None:
        raise NotFound()
    access_team_aggregates(session, viewer, campaign.team_id)
    return campaign


def access_campaign_to_manage(session: Session, viewer: Viewer, campaign_id: int) -> SurveyCampaign:
    """Closing: whoever may open one for the team (its lead, committee members)."""
    campaign = session.get(SurveyCampaign, campaign_id)
    if campaign is None:
        raise NotFound()
    access_team(session, viewer, campaign.team_id)
    return campaign


def access_campaign_to_answer(session: Session, viewer: Viewer, campaign_id: int) -> SurveyCampaign:
    """Answering: workers of the campaign's team, for a questionnaire workers answer."""
    campaign = session.get(SurveyCampaign, campaign_id)
    if campaign is None:
        raise NotFound()
    require_establishment(viewer, campaign.establishment_id)
    if viewer.role != Role.WORKER:
        raise NotFound()
    if viewer.team_id != campaign.team_id:
        raise NotFound()
    if INSTRUMENTS[campaign.instrument].respondents != "workers":
        raise NotFound()
    return campaign


def access_public_campaign(session: Session, code: str) -> SurveyCampaign:
    """The client questionnaire of a public link; unknown or over is "not found"."""
    campaign = session.scalars(select(SurveyCampaign).where(
        SurveyCampaign.public_code == code, SurveyCampaign.instrument == "client")).first()
    if campaign is None or campaign.is_over(clock.today()):
        raise NotFound()
    return campaign


# --- lists ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ToAnswer:
    campaign: SurveyCampaign
    answered: bool


def campaigns_to_answer(session: Session, viewer: Viewer) -> list[ToAnswer]:
    """A worker's open campaigns, and whether they already answered each."""
    if viewer.role != Role.WORKER or viewer.team_id is None:
        return []
    today = clock.today()
    found = session.scalars(select(SurveyCampaign).where(
        SurveyCampaign.team_id == viewer.team_id, SurveyCampaign.closed.is_(False),
        SurveyCampaign.opens_on <= today, SurveyCampaign.closes_on >= today,
        SurveyCampaign.instrument.in_([c for c, i in INSTRUMENTS.items()
                                       if i.respondents == "workers"]),
    ).order_by(SurveyCampaign.closes_on))
    answered = set(session.scalars(select(SurveyParticipation.campaign_id).where(
        SurveyParticipation.user_id == viewer.user_id)))
    return [ToAnswer(c, c.id in answered) for c in found]


@dataclass(frozen=True)
class CampaignRow:
    campaign: SurveyCampaign
    team: Team
    state: str  # "upcoming", "open" or "over"
    responses: int | None  # counted only once over: a live count would date each answer
    manageable: bool


def campaigns_of(session: Session, viewer: Viewer) -> list[CampaignRow]:
    teams = {t.id: t for t in visible_teams(session, viewer)}
    if not teams:
        return []
    today = clock.today()
    campaigns = list(session.scalars(select(SurveyCampaign).where(
        SurveyCampaign.team_id.in_(teams)).order_by(SurveyCampaign.closes_on.desc(),
                                                    SurveyCampaign.id.desc())))
    counts = _response_counts(session, [c.id for c in campaigns if c.is_over(today)])
    manage = viewer.role in (Role.TEAM_LEAD, Role.COMMITTEE_EMPLOYER, Role.COMMITTEE_UNION)
    rows = []
    for c in campaigns:
        state = "over" if c.is_over(today) else "open" if c.opens_on <= today else "upcoming"
        rows.append(CampaignRow(c, teams[c.team_id], state, counts.get(c.id, 0)
                                if state == "over" else None, manage and state != "over"))
    return rows


def _response_counts(session: Session, campaign_ids: Sequence[int]) -> dict[int, int]:
    if not campaign_ids:
        return {}
    rows = session.execute(select(SurveyResponse.campaign_id, func.count()).where(
        SurveyResponse.campaign_id.in_(campaign_ids)).group_by(SurveyResponse.campaign_id))
    return {campaign_id: int(n) for campaign_id, n in rows}


def _answers(session: Session, campaign_ids: Iterable[int]) -> dict[int, list[dict[str, int]]]:
    found: dict[int, list[dict[str, int]]] = defaultdict(list)
    ids = list(campaign_ids)
    if not ids:
        return found
    for campaign_id, answers in session.execute(select(
            SurveyResponse.campaign_id, SurveyResponse.answers).where(
            SurveyResponse.campaign_id.in_(ids))):
        found[campaign_id].append(_clean(answers))
    return found


def _clean(answers: Any) -> dict[str, int]:
    # JSON comes back as written, but a row edited by hand must not break a page.
    if not isinstance(answers, dict):
        return {}
    return {str(k): v for k, v in answers.items() if isinstance(v, int) and 0 <= v <= 4}


# --- one campaign -----------------------------------------------------------------------


@dataclass(frozen=True)
class ItemFigure:
    item: Item
    answered: int
    counts: tuple[int, ...] | None  # per option, highest first; None below 10 answers

    def breakdown(self) -> list[tuple[str, int]]:
        """(option label, count) pairs, highest option first; empty when hidden."""
        if self.counts is None:
            return []
        return [(label, n) for (_v, label), n in
                zip(self.item.option_labels(), self.counts, strict=True)]


@dataclass(frozen=True)
class CampaignResults:
    campaign: SurveyCampaign
    team: Team
    instrument: Instrument
    over: bool
    responses: int | None  # None while the campaign is open
    scales: list[tuple[Scale, Cell[float]]]
    items: list[tuple[Scale, list[ItemFigure]]]


def campaign_results(session: Session, campaign: SurveyCampaign) -> CampaignResults:
    instrument = INSTRUMENTS[campaign.instrument]
    team = session.get_one(Team, campaign.team_id)
    if not campaign.is_over(clock.today()):
        return CampaignResults(campaign, team, instrument, False, None, [], [])
    summary = summarize(instrument, _answers(session, [campaign.id])[campaign.id])
    scales = []
    for scale in instrument.scales:
        mean, n = summary.scales[scale.code]
        # No mean only when nobody was scored (n = 0), which the threshold hides anyway.
        scales.append((scale, threshold(mean if mean is not None else 0.0, n, K_MEANS)))
    items = []
    for scale in instrument.scales:
        figures = []
        for item in scale.items:
            counts, answered = summary.items[item.code]
            figures.append(ItemFigure(item, answered,
                                      counts if answered >= K_DISTRIBUTIONS else None))
        items.append((scale, figures))
    return CampaignResults(campaign, team, instrument, True, summary.responses, scales, items)


# --- an establishment's campaigns side by side ------------------------------------------


def period_of(campaign: SurveyCampaign) -> str:
    """Campaigns are grouped by the month they closed in, written YYYY-MM."""
    return campaign.closes_on.strftime("%Y-%m")


@dataclass(frozen=True)
class TeamTable:
    establishment: Establishment
    instrument: Instrument
    period: str
    campaigns: list[tuple[SurveyCampaign, Team]]
    scales: list[tuple[Scale, Table[int, float]]]  # cells keyed by campaign id


def team_tables(session: Session, viewer: Viewer) -> list[TeamTable]:
    """Per establishment, questionnaire and month: each campaign over, and the total."""
    if viewer.role == Role.WORKER:
        return []
    today = clock.today()
    teams = {t.id: t for t in session.scalars(select(Team).where(
        Team.establishment_id.in_(viewer.establishment_ids)))}
    campaigns = [c for c in session.scalars(select(SurveyCampaign).where(
        SurveyCampaign.establishment_id.in_(viewer.establishment_ids)).order_by(
        SurveyCampaign.closes_on.desc())) if c.is_over(today)]
    answers = _answers(session, [c.id for c in campaigns])
    groups: dict[tuple[int, str, str], list[SurveyCampaign]] = defaultdict(list)
    for c in campaigns:
        groups[(c.establishment_id, c.instrument, period_of(c))].append(c)
    tables = []
    for (establishment_id, code, period), members in groups.items():
        members.sort(key=lambda c: (teams[c.team_id].code, c.opens_on))
        instrument = INSTRUMENTS[code]
        scales = [(scale, _scale_table(scale, members, answers)) for scale in instrument.scales]
        tables.append(TeamTable(session.get_one(Establishment, establishment_id), instrument,
                                period, [(c, teams[c.team_id]) for c in members], scales))
    tables.sort(key=lambda t: (t.establishment.name, t.instrument.code, t.period), reverse=False)
    return tables


def _scale_table(scale: Scale, members: list[SurveyCampaign],
                 answers: dict[int, list[dict[str, int]]]) -> Table[int, float]:
    scores = {c.id: _scores(scale, answers.get(c.id, [])) for c in members}
    cells = {cid: (_mean(s), len(s)) for cid, s in scores.items()}
    everyone = [x for s in scores.values() for x in s]
    # Each campaign with enough respondents has its own results page: hiding it here
    # would protect nothing, so only the total can be the complement.
    shown_alone = [cid for cid, (_m, n) in cells.items() if n >= K_MEANS]
    return suppress_complementary(cells, (_mean(everyone), len(everyone)), k=K_MEANS,
                                  published_elsewhere=shown_alone)


def _scores(scale: Scale, rows: Iterable[dict[str, int]]) -> list[float]:
    return [s for s in (scale_score(scale, row) for row in rows) if s is not None]


def _mean(values: Sequence[float]) -> float:
    # An empty group's value is never shown (n = 0 < k): 0.0 only keeps the type simple.
    return sum(values) / len(values) if values else 0.0


# --- what the indicators read -----------------------------------------------------------


class SeriesPoint(NamedTuple):
    """One month of a survey series: ``(period, score, respondents)``."""

    period: str  # YYYY-MM, the month the campaigns closed in
    score: float | None  # None when no campaign of the month had 5 respondents
    respondents: int  # respondents behind the score (when None: the too-few who answered)

    @property
    def period_start(self) -> date:
        return date.fromisoformat(f"{self.period}-01")


def survey_series(session: Session, team_ids: Iterable[int], scale: str) -> list[SeriesPoint]:
    """Scores of a scale over successive campaigns of some teams, one point per month.

    ``scale`` is ``cbi_personal``, ``cbi_work``, ``cbi_client`` (0–100, lower is better)
    or ``client_experience`` (0–100, higher is better). Only campaigns that are over
    count. A month pools the campaigns with at least 5 respondents scored on the scale,
    each respondent weighing the same; a campaign below 5 is left out of the score,
    never mixed in, so that the series of any set of teams minus another's shows
    nothing hidden. A month where every campaign was too small gives ``score=None``.
    """
    if scale not in SCALES:
        raise ValueError(f"unknown survey scale {scale!r}; one of {sorted(SCALES)}")
    instrument, found = SCALES[scale]
    ids = list(team_ids)
    if not ids:
        return []
    today = clock.today()
    campaigns = [c for c in session.scalars(select(SurveyCampaign).where(
        SurveyCampaign.team_id.in_(ids), SurveyCampaign.instrument == instrument.code))
        if c.is_over(today)]
    answers = _answers(session, [c.id for c in campaigns])
    months: dict[str, list[list[float]]] = defaultdict(list)
    for c in campaigns:
        months[period_of(c)].append(_scores(found, answers.get(c.id, [])))
    points = []
    for period in sorted(months):
        kept = [x for scores in months[period] if len(scores) >= K_MEANS for x in scores]
        if kept:
            points.append(SeriesPoint(period, sum(kept) / len(kept), len(kept)))
        else:
            points.append(SeriesPoint(period, None, sum(len(s) for s in months[period])))
    return points
