"""UHHC: home-care routing with skills, windows, shifts, lunch and synchronised visits.

``read_instance`` reads an instance, ``evaluate`` costs a solution as the UHHC authors'
validator does, ``solve_uhhc`` plans one and ``plan_uhhc_file`` does all three for the CLI.
"""

from balise.planner.uhhc.errors import UhhcFileError, UhhcFormatError
from balise.planner.uhhc.evaluate import Evaluation, evaluate
from balise.planner.uhhc.instance import Instance
from balise.planner.uhhc.plan import plan_uhhc_file
from balise.planner.uhhc.reader import parse_instance, read_instance
from balise.planner.uhhc.search import SearchLog, solve_uhhc
from balise.planner.uhhc.solution import Solution, read_solution, write_solution

__all__ = [
    "Evaluation",
    "Instance",
    "SearchLog",
    "Solution",
    "UhhcFileError",
    "UhhcFormatError",
    "evaluate",
    "parse_instance",
    "plan_uhhc_file",
    "read_instance",
    "read_solution",
    "solve_uhhc",
    "write_solution",
]
