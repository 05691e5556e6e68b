"""Typed settings read once from the environment (``BALISE_*``).

The embedded default needs no configuration: a SQLite file under ``var/``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from balise.core.errors import ConfigError

DEFAULT_DATA_DIR = Path("var")


@dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path = DEFAULT_DATA_DIR
    secret_key: str = ""
    default_language: str = "fr"
    secure_cookies: bool = True
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    login_max_failures: int = 5
    login_window_minutes: int = 15
    smtp_url: str = ""
    # A road-network server for travel times (empty: straight line × detour ÷ speed).
    routing_url: str = ""
    routing_engine: str = "osrm"
    routing_timeout_s: float = 10.0
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)
        data_dir = Path(env.get("BALISE_DATA_DIR", str(DEFAULT_DATA_DIR)))
        url = env.get("BALISE_DATABASE_URL") or f"sqlite:///{data_dir / 'balise.sqlite3'}"
        check_database_url(url)
        return cls(
            database_url=url,
            data_dir=data_dir,
            secret_key=env.get("BALISE_SECRET_KEY", ""),
            default_language=_language(env.get("BALISE_LANGUAGE", "fr")),
            secure_cookies=_flag(env, "BALISE_SECURE_COOKIES", True),
            session_idle_minutes=_int(env, "BALISE_SESSION_IDLE_MINUTES", 30),
            session_absolute_hours=_int(env, "BALISE_SESSION_ABSOLUTE_HOURS", 12),
            smtp_url=env.get("BALISE_SMTP_URL", ""),
            routing_url=env.get("BALISE_ROUTING_URL", "").rstrip("/"),
            routing_engine=_routing_engine(env.get("BALISE_ROUTING_ENGINE", "osrm")),
            routing_timeout_s=float(_int(env, "BALISE_ROUTING_TIMEOUT_S", 10)),
        )


def check_database_url(url: str) -> None:
    """Refuse a malformed or unsupported database URL with a message that says why."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError("database_url_malformed", url=_redact(url)) from exc
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError("database_url_unsupported", url=_redact(url))


def _redact(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url.split("@")[-1]


def _flag(env: dict[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in ("1", "true", "yes", "on")


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError("setting_not_integer", name=name, value=raw) from exc


def _routing_engine(raw: str) -> str:
    engine = raw.strip().lower()
    if engine not in ("osrm", "valhalla"):
        raise ConfigError("setting_routing_engine", value=raw)
    return engine


def _language(raw: str) -> str:
    lang = raw.split("-")[0].split("_")[0].lower()
    if lang not in ("fr", "en"):
        raise ConfigError("setting_language", value=raw)
    return lang
