"""Run the UHHC authors' validator (``uhhc-toolbox``) on a solution file and read its verdict.

The validator is an independent judge of Balise's plans, used by the tests and the
benchmark. It exits with 1 only when a route is inconsistent; other failures (a mandatory
patient not scheduled, a late lunch, a missing skill…) are printed lines, so they are
recognised here by their wording, and a file it cannot parse prints a pydantic error.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

# Lines by which the validator (0.2.3) reports a broken hard constraint without exiting.
FAILURE_PATTERNS = (
    "is not optional, but not scheduled",
    "is late for lunch",
    "before the lunch break official start",
    "is having a short break",
    "is not compliant",
    "for which he/she is not qualified",
    "should have a lunch break",
    "should not have a lunch break",
    "that is not among their favourites",
    "that is among their incompatible caregivers",
    "should be equal",
    "is not respected",
    "is late by",
    "validation error",
    "Not continuing validation",
    "Traceback",
)
TOTAL = re.compile(r"^Total\.*\s+(\S+)", re.MULTILINE)


@dataclass(frozen=True)
class ToolboxVerdict:
    accepted: bool
    total: float | None
    failures: tuple[str, ...]
    output: str


def toolbox_command() -> str | None:
    """The validator's executable: beside this Python first, then on the PATH."""
    beside = Path(sys.executable).parent / "uhhc-toolbox"
    if beside.exists():
        return str(beside)
    return shutil.which("uhhc-toolbox")


def run_toolbox(instance: str | Path, solution: str | Path, timeout: float = 120.0) -> ToolboxVerdict:
    command = toolbox_command()
    if command is None:
        raise FileNotFoundError("uhhc-toolbox")
    done = subprocess.run(
        [command, "validator", "solution", str(instance), str(solution)],
        capture_output=True, text=True, timeout=timeout, check=False,
    )
    output = done.stdout + done.stderr
    failures = tuple(line.strip() for line in done.stdout.splitlines()
                     if any(pattern in line for pattern in FAILURE_PATTERNS))
    found = TOTAL.search(done.stdout)
    total = float(found.group(1)) if found else None
    accepted = done.returncode == 0 and total is not None and not failures
    return ToolboxVerdict(accepted, total, failures, output)
