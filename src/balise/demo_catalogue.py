"""Every parameter of the synthetic demo territory, in one place.

``docs/demo-data.md`` gives each value its rationale, in French and English; change
both together. Nothing here is a measurement of a real establishment: the values are
plausible orders of magnitude chosen so that the demo shows what Balise is for.
"""

from __future__ import annotations

from dataclasses import dataclass

# --- places -------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """A real locality around which clients are scattered (normal offsets, ``sd_km``)."""

    name: str
    lat: float
    lon: float
    sd_km: float
    weight: float


@dataclass(frozen=True)
class SiteSpec:
    name: str
    kind: str  # "urban" or "rural"
    lat: float
    lon: float
    team_code: str
    team_name: str
    staff_weight: float  # relative size of the site's team
    places: tuple[Place, ...]


@dataclass(frozen=True)
class EstablishmentSpec:
    code: str
    name: str
    prefix: str  # of worker and client codes
    sites: tuple[SiteSpec, ...]  # the first n are used when there are only n teams


# The rural site comes second so that even a two-team demo has both kinds of territory.
MAIN = EstablishmentSpec("DEMO-CN", "CIUSSS de la Capitale-Nationale (démo)", "CN", (
    SiteSpec("CLSC de Limoilou", "urban", 46.8305, -71.2230, "LIM", "Équipe SAD Limoilou", 1.0,
             (Place("Limoilou", 46.834, -71.226, 1.3, 1.0),)),
    SiteSpec("CLSC de la Côte-de-Beaupré", "rural", 46.9640, -71.0310, "CDB",
             "Équipe SAD Côte-de-Beaupré et Île d'Orléans", 0.7, (
                 Place("Boischatel", 46.903, -71.146, 0.7, 1.2),
                 Place("L'Ange-Gardien", 46.918, -71.098, 0.6, 0.8),
                 Place("Château-Richer", 46.962, -71.030, 0.6, 0.9),
                 Place("Sainte-Anne-de-Beaupré", 47.024, -70.928, 0.6, 1.0),
                 Place("Beaupré", 47.045, -70.893, 0.6, 0.8),
                 Place("Saint-Pierre-de-l'Île-d'Orléans", 46.885, -71.065, 0.5, 0.4),
                 Place("Sainte-Famille-de-l'Île-d'Orléans", 46.967, -70.962, 0.5, 0.3),
                 Place("Saint-Laurent-de-l'Île-d'Orléans", 46.862, -71.005, 0.5, 0.3),
             )),
    SiteSpec("CLSC de Charlesbourg", "urban", 46.8610, -71.2680, "CHA", "Équipe SAD Charlesbourg",
             1.0, (Place("Charlesbourg", 46.862, -71.270, 2.0, 1.0),)),
    SiteSpec("CLSC de Beauport", "urban", 46.8640, -71.1950, "BEA", "Équipe SAD Beauport", 1.0,
             (Place("Beauport", 46.876, -71.205, 1.8, 1.0),)),
    SiteSpec("CLSC de Sainte-Foy–Sillery", "urban", 46.7780, -71.2870, "SFO",
             "Équipe SAD Sainte-Foy–Sillery", 1.0,
             (Place("Sainte-Foy", 46.781, -71.297, 1.6, 1.0),)),
))

SECOND = EstablishmentSpec("DEMO-CA", "CISSS de Chaudière-Appalaches (démo)", "CA", (
    SiteSpec("CLSC de Lévis", "urban", 46.8030, -71.1780, "LEV", "Équipe SAD Lévis", 1.0,
             (Place("Lévis", 46.795, -71.190, 2.0, 1.0),)),
    SiteSpec("CLSC de Montmagny", "rural", 46.9800, -70.5550, "MON", "Équipe SAD Montmagny-L'Islet",
             0.8, (
                 Place("Montmagny", 46.980, -70.555, 1.0, 1.5),
                 Place("Cap-Saint-Ignace", 47.034, -70.466, 0.6, 0.6),
                 Place("Berthier-sur-Mer", 46.934, -70.733, 0.6, 0.5),
             )),
))

SECOND_SHARE = 1 / 4  # of the main establishment's workers and clients
SECOND_MIN_WORKERS = 12
MIN_WORKERS = 5
WORKERS_PER_TEAM = 12
NURSING_AND_AUXILIARIES = ("auxiliary", "nurse", "nursing_assistant")

# --- people ---------------------------------------------------------------------------

PROFESSION_SHARES: dict[str, float] = {
    "auxiliary": 0.40,
    "nurse": 0.24,
    "social_worker": 0.12,
    "nursing_assistant": 0.08,
    "occupational_therapist": 0.07,
    "physiotherapist": 0.05,
    "dietitian": 0.04,
}
PAID_MINUTES = 420  # 35 h a week over five days
BREAK_MINUTES = 30
SHIFT_STARTS: dict[str, tuple[int, ...]] = {"auxiliary": (450, 480, 480, 510)}
DEFAULT_SHIFT_STARTS = (480, 480, 510)
PART_TIME_SHARE = 0.25
PART_TIME_DAYS = ((3, 0.4), (4, 0.6))
VACATION_WEEK_P = 0.06
SICK_DAY_P = 0.04
# Share of the paid day a team lead fills with visits and travel; the rest goes to
# notes, coordination, calls and team meetings.
VISIT_SHARE: dict[str, float] = {"auxiliary": 0.92, "nursing_assistant": 0.85, "nurse": 0.75}
PROFESSIONAL_VISIT_SHARE = 0.6
OVERTIME_TOLERANCE = 30  # essential care may run this far past the planned day
TRAVEL_ESTIMATE = {"urban": 11, "rural": 16}  # minutes a visit adds when filling a day
NEIGHBOUR_KM = 12  # a colleague of a team whose CLSC is this close may fill in

FIRST_NAMES = ("Marie", "Julie", "Isabelle", "Nathalie", "Sophie", "Catherine", "Mélanie",
               "Geneviève", "Karine", "Valérie", "Annie", "Émilie", "Audrey", "Chantal",
               "Josée", "Stéphanie", "Marc", "Jean-François", "Mathieu", "Simon", "Éric",
               "Patrick", "Louis", "Samuel", "Fatima", "Aminata", "Nadia", "Yasmine")
LAST_NAMES = ("Tremblay", "Gagnon", "Roy", "Côté", "Bouchard", "Gauthier", "Morin", "Lavoie",
              "Fortin", "Gagné", "Ouellet", "Pelletier", "Bélanger", "Lévesque", "Bergeron",
              "Leblanc", "Paquette", "Girard", "Simard", "Boucher", "Caron", "Beaulieu",
              "Cloutier", "Dubé", "Poirier", "Diallo", "Haddad", "Nguyen")

# Iso-SMAF profiles 1 (lightest) to 14 (heaviest) among home-care clients.
ISO_SMAF_WEIGHTS = (0.14, 0.12, 0.12, 0.11, 0.09, 0.09, 0.07, 0.06, 0.06, 0.05, 0.03, 0.03,
                    0.02, 0.01)
NEW_CLIENT_SHARE = 0.12  # admitted during the history
ACTIVE_SINCE_MEAN_DAYS = 500
DEATH_HAZARD = (0.0015, 0.0002)  # a week: base + per profile above 1
POST_DEATH_DELAY_DAYS = (5, 15)


def band(iso_smaf: int) -> int:
    """The four Iso-SMAF groups: 0 instrumental (1–3), 1 predominantly motor (4, 6, 8),
    2 predominantly mental (5, 7, 9), 3 mixed and severe (10–14)."""
    if iso_smaf <= 3:
        return 0
    if iso_smaf >= 10:
        return 3
    return 1 if iso_smaf % 2 == 0 else 2


# --- acts -----------------------------------------------------------------------------

FIRM = "Firme d'optimisation (standard imposé)"
COMMITTEE = "Comité paritaire local"
IMPOSED_YEARS_BEFORE = 2
GRID_ADOPTED_DAYS_BEFORE = 182


@dataclass(frozen=True)
class ActSpec:
    code: str
    label_fr: str
    label_en: str
    professions: tuple[str, ...]
    first_minutes: int  # first reference time
    imposed: bool  # that first time was the optimization firm's (the seed's grid)
    revised_minutes: int | None  # adopted later by the local joint committee
    median: float  # realized minutes for Iso-SMAF 1
    sigma: float  # lognormal shape
    smaf_slope: float  # extra share of time per profile above 1
    window: tuple[int, int]


NURSING = ("nurse", "nursing_assistant")
DAY = (480, 960)
ACTS: tuple[ActSpec, ...] = (
    # The acts the seed names, with the times the firm imposed (the bath's is not given
    # there; 30 minutes is an assumption).
    ActSpec("LAV_OREILLE", "Lavage d'oreille (une oreille)", "Ear wash (one ear)", NURSING,
            15, True, None, 20, 0.35, 0.01, DAY),
    ActSpec("LAV_OREILLES", "Lavage des deux oreilles", "Ear wash (both ears)", NURSING,
            20, True, None, 28, 0.35, 0.01, DAY),
    ActSpec("PLAIE_SIMPLE", "Soin de plaie simple", "Simple wound care", NURSING,
            15, True, 25, 21, 0.40, 0.02, DAY),
    ActSpec("POST_DECES", "Suivi post-décès", "Post-death follow-up",
            ("social_worker", "nurse"), 30, True, 60, 55, 0.45, 0.0, (540, 960)),
    ActSpec("BAIN", "Bain", "Bath", ("auxiliary",), 30, True, 45, 37, 0.30, 0.045, (480, 900)),
    ActSpec("HYG_PARTIELLE", "Soins d'hygiène partiels", "Partial hygiene care", ("auxiliary",),
            30, False, None, 22, 0.35, 0.05, (480, 840)),
    ActSpec("MED_ASSIST", "Aide à la prise de médicaments", "Medication assistance",
            ("auxiliary", *NURSING), 15, False, None, 12, 0.40, 0.01, (480, 660)),
    ActSpec("INJECTION", "Injection", "Injection", NURSING, 15, False, None, 14, 0.35, 0.01,
            (480, 720)),
    ActSpec("SIGNES_VITAUX", "Signes vitaux et suivi de santé", "Vital signs and health monitoring",
            NURSING, 20, False, None, 22, 0.35, 0.015, DAY),
    ActSpec("PRELEVEMENT", "Prélèvement sanguin", "Blood sample", NURSING, 15, False, None, 15,
            0.30, 0.01, (480, 600)),
    ActSpec("STOMIE", "Soins de stomie", "Ostomy care", NURSING, 30, False, None, 32, 0.35, 0.015,
            DAY),
    ActSpec("PANSEMENT_COMPLEXE", "Pansement complexe", "Complex dressing change", ("nurse",),
            45, False, None, 45, 0.40, 0.02, DAY),
    ActSpec("SUIVI_PSYCHOSOCIAL", "Suivi psychosocial", "Psychosocial follow-up",
            ("social_worker",), 60, False, None, 58, 0.40, 0.015, (540, 960)),
    ActSpec("EVAL_PSYCHOSOCIALE", "Évaluation psychosociale", "Psychosocial assessment",
            ("social_worker",), 90, False, None, 90, 0.35, 0.015, (540, 960)),
    ActSpec("EVAL_ERGO", "Évaluation ergothérapique à domicile", "OT home assessment",
            ("occupational_therapist",), 90, False, None, 95, 0.35, 0.02, (540, 960)),
    ActSpec("SUIVI_ERGO", "Suivi en ergothérapie (aides techniques)",
            "OT follow-up (assistive devices)", ("occupational_therapist",), 45, False, None, 45,
            0.35, 0.02, (540, 960)),
    ActSpec("EVAL_PHYSIO", "Évaluation en physiothérapie", "Physiotherapy assessment",
            ("physiotherapist",), 60, False, None, 62, 0.35, 0.02, (540, 960)),
    ActSpec("EXERCICES_PHYSIO", "Programme d'exercices (physiothérapie)", "Physiotherapy exercises",
            ("physiotherapist",), 45, False, None, 47, 0.30, 0.02, (540, 960)),
    ActSpec("EVAL_NUTRITION", "Évaluation nutritionnelle", "Nutrition assessment", ("dietitian",),
            60, False, None, 62, 0.35, 0.01, (540, 960)),
    ActSpec("SUIVI_NUTRITION", "Suivi nutritionnel", "Nutrition follow-up", ("dietitian",), 40,
            False, None, 38, 0.35, 0.01, (540, 960)),
)
SECONDARY_ACT_SHARE = 0.8  # a second act in the same visit shares the setup time


@dataclass(frozen=True)
class NeedSpec:
    """A recurring need of the care plan, by Iso-SMAF group (see ``band``)."""

    act: str
    profession: str
    times_per_week: tuple[int, int, int, int]
    probability: tuple[float, float, float, float]


NEEDS: tuple[NeedSpec, ...] = (
    NeedSpec("BAIN", "auxiliary", (1, 1, 1, 1), (0.30, 0.70, 0.55, 0.80)),
    NeedSpec("HYG_PARTIELLE", "auxiliary", (2, 2, 3, 5), (0.0, 0.40, 0.40, 0.85)),
    NeedSpec("MED_ASSIST", "auxiliary", (5, 5, 5, 5), (0.02, 0.04, 0.25, 0.12)),
    NeedSpec("PLAIE_SIMPLE", "nurse", (2, 2, 2, 2), (0.14, 0.17, 0.12, 0.20)),
    NeedSpec("PANSEMENT_COMPLEXE", "nurse", (3, 3, 3, 3), (0.03, 0.05, 0.03, 0.08)),
    NeedSpec("INJECTION", "nurse", (1, 1, 1, 1), (0.10, 0.08, 0.08, 0.05)),
    NeedSpec("SIGNES_VITAUX", "nurse", (1, 1, 1, 1), (0.25, 0.22, 0.20, 0.15)),
    NeedSpec("PRELEVEMENT", "nurse", (1, 1, 1, 1), (0.07, 0.06, 0.05, 0.03)),
    NeedSpec("STOMIE", "nurse", (2, 2, 2, 2), (0.02, 0.04, 0.02, 0.04)),
    NeedSpec("SUIVI_PSYCHOSOCIAL", "social_worker", (1, 1, 1, 1), (0.15, 0.15, 0.30, 0.22)),
    NeedSpec("SUIVI_ERGO", "occupational_therapist", (1, 1, 1, 1), (0.08, 0.18, 0.08, 0.10)),
    NeedSpec("EXERCICES_PHYSIO", "physiotherapist", (2, 2, 2, 2), (0.05, 0.12, 0.03, 0.03)),
    NeedSpec("SUIVI_NUTRITION", "dietitian", (1, 1, 1, 1), (0.05, 0.08, 0.10, 0.14)),
)
MONTHLY_ACT = "SIGNES_VITAUX"  # for clients with no weekly need, every fourth week
# Weekly follow-up clients one full-time professional carries; referrals beyond wait.
CASELOAD: dict[str, int] = {"social_worker": 16, "occupational_therapist": 15,
                            "physiotherapist": 8, "dietitian": 14}
ASSESSMENT: dict[str, str] = {"social_worker": "EVAL_PSYCHOSOCIALE",
                              "occupational_therapist": "EVAL_ERGO",
                              "physiotherapist": "EVAL_PHYSIO", "dietitian": "EVAL_NUTRITION"}
EAR_WASH_P = 0.003  # a client-week, for each of the two ear acts

# --- durations, travel, events ---------------------------------------------------------

TAIL_P = (0.025, 0.003)  # base + per profile above 1
TAIL_EXTRA_MEDIAN, TAIL_EXTRA_SIGMA = 1.0, 0.4  # realized × (1 + lognormal)
TAIL_REASONS = ("DETRESSE", "DESORGANISE", "PROCHE_AIDANT", "NOUVEAU_PROBLEME")
TAIL_REASON_WEIGHTS = ((0.35, 0.15, 0.25, 0.25), (0.35, 0.15, 0.25, 0.25),
                       (0.25, 0.40, 0.20, 0.15), (0.25, 0.30, 0.30, 0.15))  # by group
REFERRAL_P = 0.4  # a new problem found leads to a request to another profession
ACCESS_P, ACCESS_MINUTES = 0.015, (5, 15)
DOCUMENTATION_P, DOCUMENTATION_MINUTES = 0.02, (5, 12)
ADDED_ACT_P = 0.03
ADDED_ACTS: dict[str, tuple[str, ...]] = {"auxiliary": ("HYG_PARTIELLE", "MED_ASSIST"),
                                          "nurse": ("SIGNES_VITAUX", "PLAIE_SIMPLE"),
                                          "nursing_assistant": ("SIGNES_VITAUX", "MED_ASSIST")}
HEAPING_P = 0.4  # share of durations written down rounded to 5 minutes
CANCELLED_P = 0.025
NOT_DONE_P = 0.015
NOT_DONE_MINUTES = 5
EARLY_START_MINUTES = 10

DETOUR = 1.3
SPEED_KMH = {"urban": 25.0, "rural": 50.0}
PARKING_MINUTES = {"urban": 4.0, "rural": 2.0}
TRAVEL_SIGMA = 0.2
TRAVEL_DELAY_P, TRAVEL_DELAY_MINUTES = 0.04, (5, 20)
TRAVEL_REASON_P = 0.7
PARKING_SHARE = {"urban": 0.6, "rural": 0.1}  # of travel delays that are parking

BATH_HOURS_SHARE = 0.85  # the direction's cut: share of weekly baths that may be planned
REQUESTS_PER_TEAM_WEEK = 0.8
REQUEST_ACTS = (("EVAL_ERGO", 0.45), ("EVAL_PSYCHOSOCIALE", 0.30), ("EVAL_NUTRITION", 0.25))
SERVE_P_PER_WEEK = 0.3
ONE_OFF_TRIES = 10  # a missed one-off visit moves to the next weekday this many times
OVERFLOW_WAIT_DAYS = 180

NOTE_P = 0.04
NOTES = ("Proche aidant présent pendant la visite.",
         "Matériel à renouveler à la prochaine visite.",
         "Usager fatigué aujourd'hui, à revoir à la prochaine visite.",
         "Accès difficile (entrée enneigée).",
         "Suivi à discuter à la rencontre d'équipe.",
         "Visite sans particularité.")
BATH_CUT_NOTE = "Bain hebdomadaire non planifié : heures de bain coupées."

REASONS: tuple[tuple[str, str, str, str], ...] = (
    ("DETRESSE", "clinical", "Usager en détresse", "Client in distress"),
    ("DESORGANISE", "clinical", "Usager désorganisé", "Disorganized client"),
    ("PROCHE_AIDANT", "clinical", "Proche aidant ayant besoin de soutien",
     "Caregiver needs support"),
    ("NOUVEAU_PROBLEME", "clinical", "Nouveau problème constaté", "New problem found"),
    ("DEPLACEMENT", "logistics", "Déplacement plus long (circulation, météo)",
     "Longer travel (traffic, weather)"),
    ("STATIONNEMENT", "logistics", "Stationnement", "Parking"),
    ("ACCES", "logistics", "Attente pour accéder au domicile", "Waiting for access to the home"),
    ("DOCUMENTATION", "documentation", "Documentation au domicile", "Documentation at the home"),
    ("PERSONNEL", "logistics", "Aucun membre du personnel disponible", "No staff available"),
    ("ABSENT", "other", "Usager absent ou service refusé", "Client absent or service refused"),
    ("AUTRE", "other", "Autre", "Other"),
)
