"""The fault switch of bench/faults.py is off unless the bench sets it."""

from __future__ import annotations

import pytest

from balise.web import faults


def test_exit_after_commit_is_off_in_every_test_run() -> None:
    # A server started with the environment this suite runs in never exits on purpose.
    assert faults.RATE == 0.0


@pytest.mark.parametrize(("env", "rate"), [
    ({}, 0.0),                                   # the default: unset
    ({faults.EXIT_AFTER_COMMIT: ""}, 0.0),       # set empty by a shell export
    ({faults.EXIT_AFTER_COMMIT: "0"}, 0.0),
    ({faults.EXIT_AFTER_COMMIT: " 0.05 "}, 0.05),  # what the bench sets
])
def test_exit_after_commit_rate_from_the_environment(env: dict[str, str], rate: float) -> None:
    assert faults.exit_after_commit_rate(env) == rate


@pytest.mark.parametrize("raw", ["yes", "5%", "-0.1", "1.5", "nan"])
def test_a_rate_that_is_not_a_probability_stops_the_start(raw: str) -> None:
    with pytest.raises(ValueError, match=faults.EXIT_AFTER_COMMIT):
        faults.exit_after_commit_rate({faults.EXIT_AFTER_COMMIT: raw})
