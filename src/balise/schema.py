"""Every capability's tables, imported once so that Alembic and tests see the whole schema."""

from balise.accounts import models as accounts_models
from balise.audit import models as audit_models
from balise.committee import models as committee_models
from balise.core.db import Base
from balise.field import models as field_models
from balise.grid import models as grid_models
from balise.grid import summary_models  # noqa: F401
from balise.indicators import (
    alert_models,  # noqa: F401
    survey_models,  # noqa: F401
)
from balise.indicators import models as indicators_models  # noqa: F401
from balise.journal import models as journal_models
from balise.planner import models as planner_models
from balise.territory import models as territory_models

__all__ = [
    "Base",
    "accounts_models",
    "audit_models",
    "committee_models",
    "field_models",
    "grid_models",
    "journal_models",
    "planner_models",
    "territory_models",
]
