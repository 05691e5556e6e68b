"""Survey scores as indicators: each closed campaign gives a point per scale.

The Copenhagen Burnout Inventory's three scales are working-conditions indicators
(0–100, lower is better) and the client-experience questionnaire a service-quality one
(0–100, higher is better). Their figures come from
:func:`balise.indicators.survey_queries.survey_series`, registered here in
:data:`balise.indicators.series.SOURCES` under the source ``"survey"`` (the named hook),
so the dashboard, the reports and the national view read them like any other.

A point is a month: the campaigns of the scope's teams that closed in it, each with at
least 5 respondents scored on the scale (a smaller campaign is left out, never pooled,
so that no difference of two scopes shows it). A month where every campaign was too
small is a suppressed point whose ``workers`` is the number of respondents, so that the
page can say "fewer than 5 respondents".

A built-in's code is its scale's code (``cbi_personal`` …); an indicator a committee
defines with the source "survey" names its scale in its source note (:func:`scale_of`),
for instance with its own target or baseline.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from balise.indicators.definitions import Definition
from balise.indicators.series import SOURCES, Point, teams_of
from balise.indicators.spc import Direction
from balise.indicators.survey_queries import survey_series
from balise.indicators.surveys import SCALES
from balise.territory.models import Team

_CBI_FR = ("Moyenne, sur les répondants de chaque campagne terminée de l'Inventaire de "
           "burnout de Copenhague (CBI) qui ont répondu à au moins la moitié des questions "
           "de l'échelle, du score de l'échelle « {scale} » (0 à 100 : chaque réponse vaut "
           "100, 75, 50, 25 ou 0; plus haut = plus d'épuisement). Un point par mois de "
           "fermeture des campagnes; une campagne de moins de 5 répondants est exclue, et "
           "le mois est masqué si aucune n'en a 5.")
_CBI_EN = ("Mean, over the respondents of each closed campaign of the Copenhagen Burnout "
           "Inventory (CBI) who answered at least half the scale's items, of the "
           "“{scale}” scale score (0–100: each answer scores 100, 75, 50, 25 or 0; "
           "higher = more burnout). One point per month the campaigns closed in; a "
           "campaign with fewer than 5 respondents is left out, and the month is hidden "
           "when none has 5.")


def _cbi(code: str, name_fr: str, name_en: str) -> Definition:
    return Definition(
        code=code, builtin=True, name_fr=name_fr, name_en=name_en,
        family="working_conditions", source="survey", unit="score",
        direction=Direction.LOWER_IS_BETTER, period="month",
        formula_fr=_CBI_FR.format(scale=name_fr), formula_en=_CBI_EN.format(scale=name_en),
    )


SURVEY_BUILTINS: list[Definition] = [
    _cbi("cbi_personal", "Épuisement personnel (CBI)", "Personal burnout (CBI)"),
    _cbi("cbi_work", "Épuisement lié au travail (CBI)", "Work-related burnout (CBI)"),
    _cbi("cbi_client", "Épuisement lié à la clientèle (CBI)", "Client-related burnout (CBI)"),
    Definition(
        code="client_experience", builtin=True,
        name_fr="Expérience des usagers", name_en="Client experience",
        family="service_quality", source="survey", unit="score",
        direction=Direction.HIGHER_IS_BETTER, period="month",
        formula_fr="Moyenne, sur les répondants de chaque campagne terminée du questionnaire "
                   "d'expérience des usagers qui ont répondu à au moins 3 des 6 énoncés, de "
                   "leur score (0 à 100 : « tout à fait en désaccord » = 0 … « tout à fait "
                   "d'accord » = 100; plus haut = mieux). Un point par mois de fermeture; "
                   "une campagne de moins de 5 répondants est exclue, et le mois est masqué "
                   "si aucune n'en a 5.",
        formula_en="Mean, over the respondents of each closed campaign of the client-experience "
                   "questionnaire who answered at least 3 of its 6 statements, of their score "
                   "(0–100: “strongly disagree” = 0 … “strongly agree” = 100; higher is "
                   "better). One point per month the campaigns closed in; a campaign with "
                   "fewer than 5 respondents is left out, and the month is hidden when none "
                   "has 5.",
    ),
]


def scale_of(definition: Definition) -> str | None:
    """The survey scale an indicator reads: its code when it is a scale's, else the
    scale a committee named in its source note (``cbi_work`` …)."""
    for candidate in (definition.code, definition.source_note.strip()):
        if candidate in SCALES:
            return candidate
    return None


def survey_points(session: Session, definition: Definition, establishment_id: int,
                  scope: str, need: str) -> list[Point]:
    """The :data:`SOURCES` hook: one point per month of the scope's closed campaigns."""
    scale = scale_of(definition)
    if scale is None or need:
        return []
    teams = teams_of(scope) or tuple(session.scalars(
        select(Team.id).where(Team.establishment_id == establishment_id)))
    return [Point(p.period_start, p.score, workers=p.respondents)
            for p in survey_series(session, teams, scale)]


SOURCES["survey"] = survey_points
