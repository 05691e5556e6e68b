"""The one fault Balise can be told to inject, for ``bench/faults.py`` only.

``BALISE_FAULT_EXIT_AFTER_COMMIT=0.05`` makes the server process exit (``os._exit``, no
cleanup, as a crash would) on 5 % of the sync batches it has just committed, before
their answer leaves: the device never hears that its records are stored, and must get
the same answer when it retries (docs/field-sync.md). Unset, empty or ``0`` — the
default, and what ``tests/web/test_faults.py`` asserts of every test run — it does
nothing. Read once, when the server starts; a value that is not a number between 0 and
1 stops the start with a message naming the variable.
"""

from __future__ import annotations

import os
import random
from collections.abc import Mapping

EXIT_AFTER_COMMIT = "BALISE_FAULT_EXIT_AFTER_COMMIT"
EXIT_STATUS = 137  # what a SIGKILLed process reports: the bench counts it as a crash


def exit_after_commit_rate(env: Mapping[str, str]) -> float:
    raw = env.get(EXIT_AFTER_COMMIT, "").strip()
    if not raw:
        return 0.0
    try:
        rate = float(raw)
    except ValueError:
        rate = -1.0
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"{EXIT_AFTER_COMMIT}={raw!r}: expected a probability between 0 and 1")
    return rate


RATE = exit_after_commit_rate(os.environ)


def after_commit() -> None:
    """Called once a batch is committed and before its answer is sent."""
    if RATE and random.random() < RATE:
        os._exit(EXIT_STATUS)
