"""Logging in and out: what a user, a tired user and an attacker each get."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from html import unescape

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from balise.accounts.models import User
from balise.accounts.service import disable_user
from balise.core import clock
from tests.factories import Cast
from tests.web.conftest import csrf_of, login

Browser = Callable[[str | None], TestClient]


def _try(client: TestClient, username: str, password: str) -> int:
    page = client.get("/login")
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf_of(page.text)},
                       follow_redirects=False).status_code


def test_wrong_password_says_so_in_french_and_writes_no_session(browser: Browser, cast: Cast) -> None:
    client = browser(None)
    page = client.get("/login")
    response = client.post("/login", data={"username": "alice", "password": "nope-nope-nope",
                                           "csrf_token": csrf_of(page.text)})
    assert response.status_code == 401
    assert "Nom d'utilisateur ou mot de passe incorrect" in unescape(response.text)
    assert "Traceback" not in response.text
    assert client.get("/me/week", follow_redirects=False).status_code == 303


def test_login_without_csrf_token_is_refused(browser: Browser, cast: Cast) -> None:
    client = browser(None)
    client.get("/login")
    response = client.post("/login", data={"username": "alice", "password": "x"})
    assert response.status_code == 403


def test_foreign_origin_is_refused_even_with_a_token(browser: Browser, cast: Cast) -> None:
    client = browser("alice")
    token = csrf_of(client.get("/me/week").text)
    response = client.post("/logout", data={"csrf_token": token},
                           headers={"Origin": "https://evil.example"}, follow_redirects=False)
    assert response.status_code == 403
    assert client.get("/me/week").status_code == 200  # still logged in


def test_session_id_changes_at_login_and_dies_at_logout(browser: Browser, cast: Cast) -> None:
    client = browser("alice")
    first = client.cookies.get("__Host-balise")
    login(client, "alice")
    second = client.cookies.get("__Host-balise")
    assert first and second and first != second
    token = csrf_of(client.get("/me/week").text)
    client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    stolen = TestClient(client.app, base_url="https://testserver")
    stolen.cookies.set("__Host-balise", second)
    assert stolen.get("/me/week", follow_redirects=False).status_code == 303


def test_disabling_a_user_ends_their_sessions(browser: Browser, cast: Cast, session: Session) -> None:
    client = browser("alice")
    other_device = browser("alice")
    assert client.get("/me/week").status_code == 200
    user = session.scalar(select(User).where(User.username == "alice"))
    assert user is not None
    disable_user(session, user)
    session.commit()
    assert client.get("/me/week", follow_redirects=False).status_code == 303
    assert other_device.get("/me/week", follow_redirects=False).status_code == 303
    assert _try(browser(None), "alice", "correct horse battery") != 303  # nor log in again


def test_idle_session_expires(browser: Browser, cast: Cast) -> None:
    start = datetime(2026, 11, 16, 8, 0)
    clock.freeze(start)
    client = browser("alice")
    clock.freeze(start + timedelta(minutes=29))
    assert client.get("/me/week", follow_redirects=False).status_code == 200  # still in use
    clock.freeze(start + timedelta(minutes=29 + 31))  # 31 idle minutes: over the 30
    assert client.get("/me/week", follow_redirects=False).status_code == 303
    assert client.get("/me/week", follow_redirects=False).status_code == 303  # and stays out


def test_a_session_in_constant_use_still_ends_after_12_hours(browser: Browser, cast: Cast) -> None:
    start = datetime(2026, 11, 16, 7, 0)
    clock.freeze(start)
    client = browser("alice")
    moment = start
    while moment < start + timedelta(hours=11, minutes=50):
        moment += timedelta(minutes=20)  # never idle long enough to expire
        clock.freeze(moment)
        assert client.get("/me/week", follow_redirects=False).status_code == 200, moment
    clock.freeze(start + timedelta(hours=12, minutes=1))
    assert client.get("/me/week", follow_redirects=False).status_code == 303
    login(client, "alice")  # a new login opens a new 12-hour session
    assert client.get("/me/week", follow_redirects=False).status_code == 200


def test_repeated_failures_slow_down_one_account_but_not_others(browser: Browser, cast: Cast) -> None:
    client = browser(None)
    codes = [_try(client, "bob", f"wrong-guess-{i}") for i in range(8)]
    assert codes[:5] == [401] * 5
    assert 429 in codes[5:]  # throttled: further guesses are refused unevaluated
    assert _try(client, "alice", "correct horse battery") == 303


def test_cookies_are_host_prefixed_secure_httponly_strict(browser: Browser, cast: Cast) -> None:
    client = browser(None)
    page = client.get("/login")
    response = client.post("/login", data={"username": "alice", "password": "correct horse battery",
                                           "csrf_token": csrf_of(page.text)},
                           follow_redirects=False)
    cookie = next(v for k, v in response.headers.multi_items()
                  if k == "set-cookie" and v.startswith("__Host-balise="))
    lowered = cookie.lower()
    assert "secure" in lowered and "httponly" in lowered and "samesite=strict" in lowered
    assert "path=/" in lowered and "domain" not in lowered


def test_pages_carry_security_headers(browser: Browser, cast: Cast) -> None:
    response = browser("alice").get("/me/week")
    csp = response.headers["content-security-policy"]
    assert "object-src 'none'" in csp and "base-uri 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["cache-control"] == "no-store"


def test_unknown_page_answers_in_the_users_language(browser: Browser, cast: Cast) -> None:
    client = browser(None)
    assert "n'existe pas" in unescape(client.get("/nulle-part").text)
    english = client.get("/nulle-part", headers={"Accept-Language": "en-CA,en"})
    assert english.status_code == 404
    assert "does not exist" in english.text


def test_guessing_cannot_lock_the_real_user_out_of_their_own_browser(
    browser: Browser, cast: Cast, session: Session
) -> None:
    from sqlalchemy import func

    from balise.accounts.models import LoginAttempt

    real = browser("alice")  # alice's own browser: it now holds her device cookie
    token = csrf_of(real.get("/me/week").text)
    real.post("/logout", data={"csrf_token": token})
    attacker = browser(None)
    codes = [_try(attacker, "alice", f"guess-{i:03d}-xyz") for i in range(200)]
    evaluated = session.scalar(select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.username == "alice", LoginAttempt.success.is_(False)))
    session.rollback()  # end the read: SQLite transactions hold the write lock
    assert evaluated is not None and evaluated <= 100  # the rest waited, unevaluated
    assert codes.count(429) >= 100
    assert _try(real, "alice", "correct horse battery") == 303  # no lockout of alice
