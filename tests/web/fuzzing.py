"""schemathesis against Balise's OpenAPI, as one logged-in role at a time.

Shared by ``tests/web/test_fuzz.py`` (a few examples per operation) and
``bench/fuzz.py`` (the full run behind ``make fuzz``). Each role logs in through the
login form; every generated request then carries that session's cookie and its CSRF
token (header), so unsafe routes run their real code instead of stopping at the CSRF
check. Path parameters are drawn twice: as schemathesis generates them (mostly unknown
ids) and pinned to real ids made by the route × role tables' ``params`` (the
establishment's objects, a visit of alice's…), so handlers go past their 404.

Every default check runs; the failures of each check are counted. A server error
(``not_a_server_error``) is what must never happen.
"""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core.failures import Failure, FailureGroup
from sqlalchemy.orm import Session

from tests.factories import Cast
from tests.web.conftest import csrf_of, login

# Logging out ends the very session the run uses; its own test is in test_login.py.
SKIPPED = {("POST", "/logout")}
SERVER_ERROR = "not_a_server_error"


@dataclass
class Report:
    """Requests sent and check failures, per role."""

    requests: Counter[str] = field(default_factory=Counter)
    failures: Counter[tuple[str, str]] = field(default_factory=Counter)  # (role, check)
    server_errors: list[str] = field(default_factory=list)  # "role METHOD path: detail"
    distinct_errors: Counter[str] = field(default_factory=Counter)  # "METHOD path: cause"

    def merge(self, other: Report) -> None:
        self.requests.update(other.requests)
        self.failures.update(other.failures)
        self.server_errors.extend(other.server_errors)
        self.distinct_errors.update(other.distinct_errors)


def real_ids(session: Session, cast: Cast) -> dict[str, Any]:
    """Real values for every path parameter, from the route × role tables."""
    here = Path(__file__).parent
    values: dict[str, Any] = {}
    for path in sorted(here.glob("matrix_*.py")):
        table = importlib.import_module(f"tests.web.{path.stem}")
        if hasattr(table, "params"):
            values.update(table.params(session, cast))
    session.commit()
    return values


def credentials(app: FastAPI, username: str) -> tuple[dict[str, str], str]:
    client = TestClient(app, base_url="https://testserver")
    login(client, username)
    token = csrf_of(client.get("/settings/collection").text)  # a page every role may open
    cookies = {name: value for name, value in client.cookies.items()
               if name in ("__Host-balise", "balise_session")}
    client.close()
    return cookies, token


def _check_name(failure: Failure) -> str:
    return failure.checks[0] if failure.checks else failure.kind_title


def fuzz_role(app: FastAPI, username: str, ids: dict[str, Any], max_examples: int,
              seed: int = 0, progress: Callable[[str], None] | None = None) -> Report:
    """Every operation, as ``username``: ``max_examples`` cases drawn from three
    strategies (real ids, generated ids, negative data)."""
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    cookies, token = credentials(app, username)
    report = Report()
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        if progress:
            progress(f"{username} {operation.method.upper()} {operation.path}")
        pinned = {p.name: ids[p.name] for p in operation.path_parameters if p.name in ids}
        strategies = [operation.as_strategy(GenerationMode.POSITIVE),
                      operation.as_strategy(GenerationMode.NEGATIVE)]
        if pinned:
            strategies.insert(0, operation.as_strategy(GenerationMode.POSITIVE,
                                                       path_parameters=pinned))
        run = _runner(report, username, st.one_of(*strategies), max_examples,
                      cookies, {"X-CSRF-Token": token})
        (hypothesis_seed(seed)(run) if seed else run)()
    return report


def _runner(report: Report, username: str, cases: st.SearchStrategy[schemathesis.Case],
            max_examples: int, cookies: dict[str, str],
            headers: dict[str, str]) -> Callable[[], None]:
    @given(case=cases)
    @settings(max_examples=max_examples, deadline=None, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def run(case: schemathesis.Case) -> None:
        report.requests[username] += 1
        where = f"{case.operation.method.upper()} {case.operation.path}"
        try:
            case.call_and_validate(headers=headers, cookies=cookies)
        except FailureGroup as group:
            for failure in group.exceptions:
                name = _check_name(failure)
                report.failures[(username, name)] += 1
                if name == SERVER_ERROR:
                    report.server_errors.append(
                        f"{username} {where} {case.formatted_path}: "
                        f"{case.query} {case.body!r}"[:400])
                    report.distinct_errors[f"{where}: status 5xx"] += 1
        except Exception as exc:
            report.failures[(username, SERVER_ERROR)] += 1
            report.server_errors.append(f"{username} {where}: {exc!r}"[:400])
            report.distinct_errors[f"{where}: {exc!r}"[:160]] += 1

    return run  # type: ignore[no-any-return]
