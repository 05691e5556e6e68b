"""Every built-in indicator, declared in one list (Decidim's ``component.rb`` habit).

Each entry carries its formula in French and English; ``docs/indicators.md`` explains
each one at length and a test checks that none is missing there. The computation of the
computed ones is in :mod:`balise.indicators.compute`; the hand-entered ones cover what
Balise does not hold (hospital figures, departures, absences, vacancies) and are typed or
imported per team and period (:mod:`balise.indicators.entries`).

Only done visits count, and only visits with a worker: a cancelled or unstaffed visit is
part of the plan, not of the work done.
"""

from __future__ import annotations

from balise.indicators.definitions import Definition
from balise.indicators.spc import Direction, MeasureKind

HIGHER = Direction.HIGHER_IS_BETTER
LOWER = Direction.LOWER_IS_BETTER
WORKER_WEEK_FR = ("Une semaine-intervenant est un intervenant qui a fait au moins une visite "
                  "dans la semaine.")
WORKER_WEEK_EN = "A worker-week is one worker with at least one done visit in the week."

BUILTINS: list[Definition] = [
    # --- service volume ---------------------------------------------------------------
    Definition(
        code="visits_per_worker_week", builtin=True,
        name_fr="Visites par semaine-intervenant", name_en="Visits per worker-week",
        family="service_volume", source="computed", unit="visits_per_worker_week",
        direction=HIGHER, period="week", kind=MeasureKind.RATE,
        balancing=("overtime_hours_per_worker_week", "above_reference_share",
                   "continuity_of_care", "unmet_needs_per_100_visits"),
        formula_fr=f"Visites faites ÷ semaines-intervenant. {WORKER_WEEK_FR}",
        formula_en=f"Done visits ÷ worker-weeks. {WORKER_WEEK_EN}",
    ),
    Definition(
        code="care_time_share", builtin=True,
        name_fr="Part du temps en visite", name_en="Care-time share",
        family="service_volume", source="computed", unit="percent", direction=HIGHER,
        period="week", scale=100.0, needs=("realized_times",),
        balancing=("overtime_hours_per_worker_week", "above_reference_share",
                   "clinical_variance_share"),
        formula_fr="100 × minutes réalisées en visite ÷ minutes payées. Minutes payées : pour "
                   "chaque jour où l'intervenant a fait une visite chronométrée, la durée de son "
                   "quart habituel de ce jour de semaine moins la pause (la moyenne de ses quarts "
                   "s'il n'a pas de quart ce jour-là).",
        formula_en="100 × realized minutes in visits ÷ paid minutes. Paid minutes: for each day "
                   "the worker made a timed visit, their usual shift of that weekday minus the "
                   "break (the mean of their shifts if they have none that day).",
    ),
    Definition(
        code="home_interventions", builtin=True,
        name_fr="Interventions à domicile", name_en="Home interventions",
        family="service_volume", source="manual", unit="count", direction=HIGHER,
        period="month",
        source_note="Rapport d'activité de l'établissement / establishment activity report",
        balancing=("sick_leave_rate", "overtime_hours_per_worker_week", "continuity_of_care"),
        formula_fr="Nombre d'interventions à domicile du mois, saisi à la main avec sa source "
                   "(exemple du CSSS de la Vieille-Capitale : +6 % sans nuire à la qualité).",
        formula_en="Number of home interventions in the month, entered by hand with its source "
                   "(the seed's CSSS de la Vieille-Capitale example: +6 % without harming quality).",
    ),
    # --- service quality --------------------------------------------------------------
    Definition(
        code="continuity_of_care", builtin=True,
        name_fr="Continuité des soins", name_en="Continuity of care",
        family="service_quality", source="computed", unit="percent", direction=HIGHER,
        period="week", kind=MeasureKind.PROPORTION, scale=100.0,
        formula_fr="100 × visites faites par l'intervenant habituel de l'usager ÷ visites faites "
                   "aux usagers qui ont un intervenant habituel.",
        formula_en="100 × visits made by the client's usual worker ÷ done visits to clients "
                   "who have a usual worker.",
    ),
    Definition(
        code="unmet_needs_per_100_visits", builtin=True,
        name_fr="Besoins non comblés par 100 visites", name_en="Unmet needs per 100 visits",
        family="service_quality", source="computed", unit="per_100_visits", direction=LOWER,
        period="week", kind=MeasureKind.RATE, scale=100.0, needs=("unmet_needs",),
        formula_fr="100 × besoins non comblés inscrits à la liste d'attente pendant la période "
                   "(source « besoin non comblé ») ÷ visites faites.",
        formula_en="100 × unmet needs put on the waiting list in the period (source "
                   "\"unmet need\") ÷ done visits.",
    ),
    Definition(
        code="waiting_list_size", builtin=True, by_need=True,
        name_fr="Taille de la liste d'attente", name_en="Waiting list size",
        family="service_quality", source="computed", unit="count", direction=LOWER,
        period="week",
        formula_fr="Besoins en attente le dernier jour de la période : demandés ce jour-là ou "
                   "avant, et pas encore servis. Aussi par besoin (par exemple les bains).",
        formula_en="Needs waiting on the last day of the period: requested on or before it and "
                   "not yet served. Also by need (baths, for example).",
    ),
    Definition(
        code="median_wait_days", builtin=True, by_need=True,
        name_fr="Attente médiane (jours)", name_en="Median wait (days)",
        family="service_quality", source="computed", unit="days", direction=LOWER,
        period="month",
        formula_fr="Médiane, sur les besoins servis pendant la période, des jours entre la "
                   "demande et le service. Les attentes encore ouvertes comptent dans la taille "
                   "de la liste. Aussi par besoin.",
        formula_en="Median, over the needs served in the period, of the days from request to "
                   "service. Waits still open count in the list's size. Also by need.",
    ),
    Definition(
        code="clinical_variance_share", builtin=True,
        name_fr="Visites avec un motif d'écart clinique",
        name_en="Visits with a clinical variance reason",
        family="service_quality", source="computed", unit="percent", direction=LOWER,
        period="week", kind=MeasureKind.PROPORTION, scale=100.0, needs=("variance_reasons",),
        formula_fr="100 × visites faites ayant au moins un motif d'écart de catégorie "
                   "« clinique » ÷ visites faites. Une baisse peut aussi venir d'une saisie "
                   "moindre : les motifs restent facultatifs.",
        formula_en="100 × done visits with at least one variance reason of the clinical "
                   "category ÷ done visits. A fall can also come from fewer reasons recorded: "
                   "reasons stay optional.",
    ),
    Definition(
        code="surgery_postponement_rate", builtin=True,
        name_fr="Taux de report des chirurgies", name_en="Surgery postponement rate",
        family="service_quality", source="manual", unit="percent", direction=LOWER,
        period="month",
        source_note="Rapport du bloc opératoire / operating-room report",
        formula_fr="100 × chirurgies reportées faute de lits ÷ chirurgies prévues, saisi à la "
                   "main (exemple du CHU Sainte-Justine : 33 % → 15 %).",
        formula_en="100 × surgeries postponed for lack of beds ÷ surgeries planned, entered by "
                   "hand (the seed's CHU Sainte-Justine example: 33 % → 15 %).",
    ),
    # --- working conditions -----------------------------------------------------------
    Definition(
        code="overtime_hours_per_worker_week", builtin=True,
        name_fr="Heures supplémentaires par semaine-intervenant",
        name_en="Overtime hours per worker-week",
        family="working_conditions", source="computed", unit="hours_per_worker_week",
        direction=LOWER, period="week", needs=("realized_times",),
        formula_fr="Somme, sur les jours travaillés, de (fin réalisée de la dernière visite − "
                   "fin du quart habituel de ce jour de semaine), si positive ; un jour sans "
                   "quart compte de la première à la dernière visite. Divisée par les "
                   "semaines-intervenant, en heures. Approximation : le retour et la "
                   "documentation après la dernière visite, et les débuts hâtifs, ne sont pas "
                   f"comptés. {WORKER_WEEK_FR}",
        formula_en="Sum over worked days of (realized end of the last visit − end of the usual "
                   "shift of that weekday), when positive; a day without a shift counts from "
                   "the first visit to the last. Divided by worker-weeks, in hours. "
                   "Approximation: travel back and paperwork after the last visit, and early "
                   f"starts, are not counted. {WORKER_WEEK_EN}",
    ),
    Definition(
        code="above_reference_share", builtin=True,
        name_fr="Visites au-delà du temps de référence",
        name_en="Visits above their reference time",
        family="working_conditions", source="computed", unit="percent", direction=LOWER,
        period="week", kind=MeasureKind.PROPORTION, scale=100.0, needs=("realized_times",),
        formula_fr="100 × visites dont la durée réalisée dépasse la somme des temps de référence "
                   "(en vigueur ce jour-là) des actes faits ÷ visites chronométrées dont chaque "
                   "acte fait a un temps de référence. Un temps de référence est un repère, pas "
                   "un quota : une part élevée dit que le repère est à revoir.",
        formula_en="100 × visits whose realized duration exceeds the sum of the reference times "
                   "(in force that day) of the acts done ÷ timed visits whose every act done "
                   "has a reference time. A reference time is a planning aid, not a quota: a "
                   "high share says the aid needs revising.",
    ),
    Definition(
        code="travel_share", builtin=True,
        name_fr="Part du temps en déplacement", name_en="Travel share",
        family="working_conditions", source="computed", unit="percent", direction=LOWER,
        period="week", scale=100.0, needs=("travel",),
        formula_fr="100 × minutes de déplacement inscrites ÷ minutes payées des jours où un "
                   "déplacement est inscrit (même calcul des minutes payées que la part du "
                   "temps en visite).",
        formula_en="100 × recorded travel minutes ÷ paid minutes of the days with travel "
                   "recorded (paid minutes as for the care-time share).",
    ),
    Definition(
        code="scope_of_practice_mismatch", builtin=True,
        name_fr="Actes hors du champ d'exercice prévu",
        name_en="Acts outside the scope of practice they call for",
        family="working_conditions", source="computed", unit="percent", direction=LOWER,
        period="week", kind=MeasureKind.PROPORTION, scale=100.0,
        formula_fr="100 × actes faits par un intervenant dont le titre d'emploi n'est pas parmi "
                   "ceux que l'acte demande (une infirmière qui fait un travail d'auxiliaire, "
                   "ou l'inverse) ÷ actes faits dont le champ d'exercice est précisé.",
        formula_en="100 × acts done by a worker whose profession is not among those the act "
                   "calls for (a nurse doing auxiliary work, or the reverse) ÷ acts done whose "
                   "scope of practice is declared.",
    ),
    Definition(
        code="sick_leave_rate", builtin=True,
        name_fr="Taux d'absence maladie", name_en="Sick-leave absence rate",
        family="working_conditions", source="manual", unit="percent", direction=LOWER,
        period="month", source_note="Service de santé et sécurité / occupational health office",
        formula_fr="100 × heures d'absence maladie ÷ heures prévues au calendrier, saisi ou "
                   "importé par équipe et par mois.",
        formula_en="100 × sick-leave hours ÷ scheduled hours, entered or imported per team and "
                   "month.",
    ),
    Definition(
        code="departures", builtin=True,
        name_fr="Départs", name_en="Departures",
        family="working_conditions", source="manual", unit="count", direction=LOWER,
        period="month", source_note="Ressources humaines / human resources",
        formula_fr="Nombre de personnes qui ont quitté l'équipe dans le mois (démission, "
                   "retraite, mutation), saisi ou importé.",
        formula_en="Number of people who left the team in the month (resignation, retirement, "
                   "transfer), entered or imported.",
    ),
    Definition(
        code="turnover_rate", builtin=True,
        name_fr="Taux de roulement", name_en="Turnover rate",
        family="working_conditions", source="manual", unit="percent", direction=LOWER,
        period="month", source_note="Ressources humaines / human resources",
        formula_fr="100 × départs du mois ÷ effectif moyen du mois, saisi ou importé.",
        formula_en="100 × departures in the month ÷ mean headcount of the month, entered or "
                   "imported.",
    ),
    Definition(
        code="vacant_positions", builtin=True,
        name_fr="Postes vacants", name_en="Vacant positions",
        family="working_conditions", source="manual", unit="count", direction=LOWER,
        period="month", source_note="Ressources humaines / human resources",
        formula_fr="Postes affichés et non pourvus le dernier jour du mois, saisi ou importé.",
        formula_en="Positions posted and not filled on the last day of the month, entered or "
                   "imported.",
    ),
    Definition(
        code="time_to_fill_days", builtin=True,
        name_fr="Délai pour pourvoir un poste (jours)", name_en="Time to fill a position (days)",
        family="working_conditions", source="manual", unit="days", direction=LOWER,
        period="month", source_note="Ressources humaines / human resources",
        formula_fr="Médiane des jours entre l'affichage et l'entrée en poste, pour les postes "
                   "pourvus dans le mois, saisi ou importé.",
        formula_en="Median days from posting to start, over the positions filled in the month, "
                   "entered or imported.",
    ),
]

BY_CODE: dict[str, Definition] = {d.code: d for d in BUILTINS}
COMPUTED: list[Definition] = [d for d in BUILTINS if d.source == "computed"]
