"""The ``balise`` command: parse arguments, call a capability, print."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy import Engine

from balise.core.access import ROLE_LABELS, Role
from balise.core.db import check_connection, make_engine, session_factory, transaction
from balise.core.errors import BaliseError
from balise.core.i18n import gettext as _
from balise.core.i18n import set_language
from balise.core.migrate import upgrade
from balise.core.settings import Settings

app = typer.Typer(help="Balise", no_args_is_help=True, add_completion=False)
users_app = typer.Typer(help="User accounts", no_args_is_help=True)
app.add_typer(users_app, name="users")
console = Console()
err = Console(stderr=True)


def _settings() -> Settings:
    settings = Settings.from_env()
    set_language(os.environ.get("BALISE_LANGUAGE", settings.default_language))
    return settings


def _fail(error: BaliseError) -> typer.Exit:
    err.print(f"[bold red]{_('Error')}:[/] {error.message()}")
    return typer.Exit(2)


@contextmanager
def _ready_engine(settings: Settings) -> Iterator[Engine]:
    """An engine whose connection was tried now, closed when the command ends."""
    engine = make_engine(settings.database_url)
    try:
        check_connection(engine)
        yield engine
    finally:
        engine.dispose()


@app.command()
def init() -> None:
    """Create or upgrade the database (Alembic)."""
    try:
        with _ready_engine(_settings()) as engine:
            upgrade(engine)
            url = engine.url.render_as_string(hide_password=True)
    except BaliseError as error:
        raise _fail(error) from error
    console.print(_("Database ready: {url}").format(url=url))


@app.command("demo-data")
def demo_data(
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same data.")] = 1,
    workers: Annotated[int, typer.Option(min=5, max=2000)] = 60,
    clients: Annotated[int, typer.Option(min=10, max=50000)] = 600,
    weeks: Annotated[int, typer.Option(min=1, max=104)] = 12,
    if_empty: Annotated[bool, typer.Option("--if-empty", help="Do nothing if data exists.")] = False,
) -> None:
    """Build the synthetic demo territory (teams, workers, clients, weeks of visits)."""
    from rich.progress import Progress

    from balise.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, build_demo, is_empty

    try:
        with _ready_engine(_settings()) as engine:
            upgrade(engine)
            with transaction(session_factory(engine)) as session:
                if not is_empty(session):
                    if not if_empty:
                        err.print(_("The database is not empty."))
                        raise typer.Exit(2)
                    console.print(_("The database already holds data; demo not loaded."))
                    _print_accounts(DEMO_ACCOUNTS, DEMO_PASSWORD)
                    return
                with Progress(console=console) as progress:
                    task = progress.add_task(_("Building the demo territory"), total=None)

                    def advance(done: int, total: int) -> None:
                        progress.update(task, completed=done, total=total)

                    summary = build_demo(session, seed=seed, workers=workers, clients=clients,
                                         weeks=weeks, progress=advance)
    except BaliseError as error:
        raise _fail(error) from error
    console.print(summary.describe())
    _print_accounts(DEMO_ACCOUNTS, DEMO_PASSWORD)


def _print_accounts(accounts: list[tuple[str, Role]], password: str) -> None:
    console.print(_("Demo accounts (password: {password}):").format(password=password))
    for username, role in accounts:
        console.print(f"  {username:<14} {_(ROLE_LABELS[role])}")


@app.command()
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
) -> None:
    """Start the web server."""
    import uvicorn

    from balise.web.app import create_app

    try:
        settings = _settings()
        with _ready_engine(settings) as engine:
            application = create_app(settings, engine)
            console.print(
                _("Balise is running on http://{host}:{port}").format(host=host, port=port)
            )
            uvicorn.run(application, host=host, port=port, log_level="warning")
    except BaliseError as error:
        raise _fail(error) from error


@users_app.command("create")
def users_create(
    username: str,
    role: Annotated[Role, typer.Option(case_sensitive=False)],
    establishment: Annotated[str, typer.Option(help="Establishment code")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True,
                                          confirmation_prompt=True)],
    display_name: Annotated[str, typer.Option()] = "",
) -> None:
    """Create a user account."""
    from sqlalchemy import select

    from balise.accounts.service import create_user
    from balise.territory.models import Establishment

    try:
        with _ready_engine(_settings()) as engine, transaction(session_factory(engine)) as session:
            est = session.scalar(select(Establishment).where(Establishment.code == establishment))
            if est is None:
                err.print(_("No establishment has the code {code}.").format(code=establishment))
                raise typer.Exit(2)
            create_user(session, username=username, password=password, role=role,
                        establishment_id=est.id, display_name=display_name)
    except BaliseError as error:
        raise _fail(error) from error
    console.print(_("User {username} created.").format(username=username))


if __name__ == "__main__":
    app()
