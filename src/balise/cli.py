"""The ``balise`` command: parse arguments, call a capability, print."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from balise.core.access import ROLE_LABELS, Role
from balise.core.db import check_connection, make_engine, session_factory, transaction
from balise.core.errors import BaliseError
from balise.core.i18n import gettext as _
from balise.core.i18n import set_language
from balise.core.migrate import upgrade
from balise.core.settings import Settings
from balise.grid.io_schema import Kind

app = typer.Typer(help="Balise", no_args_is_help=True, add_completion=False)
users_app = typer.Typer(help="User accounts", no_args_is_help=True)
app.add_typer(users_app, name="users")
# soft_wrap: messages are not cut at the terminal width, so they stay whole in logs.
console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


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
    from balise.demo_committee import build_demo_committee

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
                    build_demo_committee(session, DEMO_PASSWORD)
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


def _establishment_id(session: Session, code: str | None, kind: Kind) -> int | None:
    """The establishment named, or the only one there is; acts belong to none."""
    from sqlalchemy import select

    from balise.territory.models import Establishment

    if code is None and kind is Kind.ACTS:
        return None
    codes = session.scalars(select(Establishment.code).order_by(Establishment.code)).all()
    if code is None and len(codes) == 1:
        code = codes[0]
    found = session.scalar(select(Establishment.id).where(Establishment.code == code))
    if found is None:
        err.print(_("Name the establishment with --establishment; its code is one of: {codes}.")
                  .format(codes=", ".join(codes) or "—"))
        raise typer.Exit(2)
    return found


@app.command("import")
def import_command(
    kind: Annotated[Kind, typer.Argument(case_sensitive=False, help="What the file holds.")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True,
                                         help="CSV (UTF-8) or Excel (xlsx) file.")],
    establishment: Annotated[str | None, typer.Option(help="Establishment code")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and report; write nothing.")] = False,
) -> None:
    """Import a CSV or Excel file: every row is checked, and nothing is written if one is wrong."""
    from rich.table import Table

    from balise.grid.imports import import_file

    try:
        with _ready_engine(_settings()) as engine, transaction(session_factory(engine)) as session:
            report = import_file(session, kind, file.name, file.read_bytes(), dry_run=dry_run,
                                 establishment_id=_establishment_id(session, establishment, kind))
            if not report.written:
                session.rollback()
    except BaliseError as error:
        raise _fail(error) from error
    if not report.ok:
        table = Table(title=_("{n} errors in {file}: nothing was written.").format(
            n=len(report.errors), file=report.file))
        for header in (_("Line"), _("Column"), _("Value"), _("Reason")):
            table.add_column(header)
        for problem in report.errors:
            table.add_row(str(problem.line), problem.column, problem.value, problem.reason())
        console.print(table)
        raise typer.Exit(1)
    for problem in report.skipped:
        console.print(problem.message())
    counts = {"rows": report.rows, "created": report.created, "updated": report.updated,
              "unchanged": report.unchanged}
    if dry_run:
        console.print(_("Dry run, nothing was written. {rows} rows read: {created} would be "
                        "created, {updated} updated, {unchanged} unchanged.").format(**counts))
    else:
        console.print(_("{rows} rows read: {created} created, {updated} updated, {unchanged} "
                        "unchanged.").format(**counts))


@app.command("export")
def export_command(
    kind: Annotated[Kind, typer.Argument(case_sensitive=False)],
    establishment: Annotated[str, typer.Option(help="Establishment code")],
    out: Annotated[Path, typer.Option(dir_okay=False, help="File to write.")],
    fmt: Annotated[str | None, typer.Option(
        "--format", help="csv, xlsx or fhir (visits only); by default from the file suffix.")] = None,
    first: Annotated[datetime | None, typer.Option(
        "--from", formats=["%Y-%m-%d"], help="First day of visits (default: 30 days ago).")] = None,
    last: Annotated[datetime | None, typer.Option(
        "--to", formats=["%Y-%m-%d"], help="Last day of visits (default: today).")] = None,
) -> None:
    """Export one kind of record of an establishment (visits for a period)."""
    from balise.core.errors import NotFound
    from balise.grid.exports import export_period, operator_scope, write_export

    chosen = fmt or {".xlsx": "xlsx", ".json": "fhir"}.get(out.suffix.lower(), "csv")
    try:
        with _ready_engine(_settings()) as engine, transaction(session_factory(engine)) as session:
            try:
                scope = operator_scope(session, establishment)
            except NotFound:
                err.print(_("No establishment has the code {code}.").format(code=establishment))
                raise typer.Exit(2) from None
            period = (export_period(first and first.date(), last and last.date())
                      if kind is Kind.VISITS else (None, None))
            # Written beside the target then renamed: a failed export leaves no half file.
            partial = out.with_name(out.name + ".partial")
            try:
                with partial.open("wb") as stream:
                    write_export(stream, session, kind, scope, chosen, *period)
                partial.replace(out)
            finally:
                partial.unlink(missing_ok=True)
    except BaliseError as error:
        raise _fail(error) from error
    console.print(_("Exported to {path}.").format(path=out))


journal_app = typer.Typer(help="The tamper-evident journal", no_args_is_help=True)
app.add_typer(journal_app, name="journal")


@journal_app.command("verify")
def journal_verify(
    heads: Annotated[list[str] | None, typer.Option(
        "--head", help="A head you kept, as COUNT:HASH (repeatable).")] = None,
    kept: Annotated[list[Path] | None, typer.Option(
        "--kept", help="A journal export you kept (repeatable).")] = None,
) -> None:
    """Check the hash chain; exit 0 when intact, 1 when broken (naming the first entry)."""
    import json

    from balise.journal import service
    from balise.journal.chain import parse_head, verify_export

    try:
        kept_heads = [parse_head(text) for text in heads or []]
        for path in kept or []:
            result = verify_export(json.loads(path.read_text(encoding="utf-8")))
            if not result.ok:
                err.print(result.message())
                raise typer.Exit(1)
            kept_heads.append(result.head)
        with _ready_engine(_settings()) as engine, session_factory(engine)() as session:
            verification = service.verify(session, kept=kept_heads)
    except BaliseError as error:
        raise _fail(error) from error
    (console if verification.ok else err).print(verification.message())
    raise typer.Exit(0 if verification.ok else 1)


@journal_app.command("export")
def journal_export(
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write (JSON).")],
) -> None:
    """Write the whole journal with its head, to keep and check later."""
    import json

    from balise.journal import service

    try:
        with _ready_engine(_settings()) as engine, session_factory(engine)() as session:
            data = service.export(session)
    except BaliseError as error:
        raise _fail(error) from error
    output.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    console.print(_("Journal written to {path}: {count} entries, head {hash}.").format(
        path=output, count=data["head"]["count"], hash=data["head"]["hash"]))


@app.command("notify-stances")
def notify_stances(
    domain: Annotated[str, typer.Option(help="Mail domain: each member gets username@DOMAIN.")],
    base_url: Annotated[str, typer.Option(help="Balise's address, for links.")] = "",
) -> None:
    """Email committee members the open proposals awaiting their stance (BALISE_SMTP_URL)."""
    import smtplib

    from balise.committee.notify import remind_all

    try:
        settings = _settings()
        with _ready_engine(settings) as engine, session_factory(engine)() as session:
            sent = remind_all(session, settings.smtp_url, domain, base_url=base_url)
    except BaliseError as error:
        raise _fail(error) from error
    except (OSError, smtplib.SMTPException) as error:
        err.print(_("The mail server refused or could not be reached: {detail}").format(
            detail=error))
        raise typer.Exit(2) from error
    for proposal, notified in sent:
        console.print(_("Proposal #{id}: {sent} message(s) sent.").format(
            id=proposal.id, sent=len(notified.sent)))
        if notified.without_address:
            console.print("  " + _("No address for: {names}").format(
                names=", ".join(notified.without_address)))
    if not sent:
        console.print(_("No proposal awaits a stance."))


indicators_app = typer.Typer(help="Success indicators", no_args_is_help=True)
app.add_typer(indicators_app, name="indicators")


@indicators_app.command("compute")
def indicators_compute(
    as_json: Annotated[bool, typer.Option("--json", help="Print every figure as JSON.")] = False,
    establishment: Annotated[str | None, typer.Option(help="Establishment code (default: all)")] = None,
    since: Annotated[datetime | None, typer.Option(
        formats=["%Y-%m-%d"], help="Recompute only the periods from this day on.")] = None,
    engine: Annotated[str, typer.Option(
        help="summary (default: the worker-days kept at every visit write), arrays or "
             "database (from the visits)")] = "summary",
) -> None:
    """Compute and store every built-in indicator for every team and period."""
    import json

    from sqlalchemy import select

    from balise.indicators.catalogue import definitions
    from balise.indicators.compute import ENGINES, refresh
    from balise.indicators.series import records
    from balise.territory.models import Establishment, Team

    if engine not in ENGINES:
        err.print(_("Choose an engine among: {engines}.").format(engines=", ".join(ENGINES)))
        raise typer.Exit(2)
    output: list[dict[str, object]] = []
    timings: dict[str, dict[str, float]] = {}
    try:
        with _ready_engine(_settings()) as db, transaction(session_factory(db)) as session:
            query = select(Establishment).order_by(Establishment.code)
            if establishment is not None:
                query = query.where(Establishment.code == establishment)
            chosen = list(session.scalars(query))
            if not chosen:
                err.print(_("No establishment has the code {code}.").format(code=establishment))
                raise typer.Exit(2)
            known = definitions(session)
            for est in chosen:
                done = refresh(session, est.id, since=since and since.date(), engine=engine)
                timings[est.code] = done.seconds
                teams = dict(session.execute(select(Team.id, Team.code)
                                             .where(Team.establishment_id == est.id)).all())
                for record in records(session, est.id, done.cells, teams, known):
                    output.append({"establishment": est.code, **record})
    except BaliseError as error:
        raise _fail(error) from error
    if as_json:
        # One figure a line, each through json's C encoder: indent= falls back to the
        # pure-Python encoder, about 4 s for an establishment-year's 47,000 figures.
        values = ",\n".join(json.dumps(record, ensure_ascii=False) for record in output)
        print(f'{{"engine": {json.dumps(engine)}, "seconds": {json.dumps(timings)}, '
              f'"values": [\n{values}\n]}}')
        return
    for code, seconds in timings.items():
        console.print(_("{code}: {n} figures computed and stored in {seconds:.2f} s.").format(
            code=code, n=sum(1 for r in output if r["establishment"] == code),
            seconds=sum(seconds.get(k, 0.0) for k in ("total", "store"))))


@indicators_app.command("notify-alerts")
def indicators_notify_alerts(
    base_url: Annotated[str, typer.Option(help="Balise's address, for links.")] = "",
) -> None:
    """Tell committee members of each new balancing alert, once (email when BALISE_SMTP_URL is set)."""
    import smtplib

    from balise.indicators.alert_notices import notify_balancing_alerts

    try:
        settings = _settings()
        with _ready_engine(settings) as db, transaction(session_factory(db)) as session:
            told = notify_balancing_alerts(session, settings.smtp_url, base_url=base_url)
    except BaliseError as error:
        raise _fail(error) from error
    except (OSError, smtplib.SMTPException) as error:
        err.print(_("The mail server refused or could not be reached: {detail}").format(
            detail=error))
        raise typer.Exit(2) from error
    console.print(_("{notices} new alert notice(s), {emailed} email(s) sent, {cleared} "
                    "alert(s) no longer holding.").format(
        notices=told.notices, emailed=len(told.emailed), cleared=told.cleared))


@app.command("evidence")
def evidence_command(
    act: Annotated[str | None, typer.Option("--act", help="One act's code (default: every act).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print every figure as JSON.")] = False,
    establishment: Annotated[str | None, typer.Option(help="Establishment code (default: all)")] = None,
) -> None:
    """What realized visits say beside each reference time (groups under 5 workers suppressed)."""
    import json

    from rich.table import Table
    from sqlalchemy import select

    from balise.grid.evidence_queries import evidence_for_acts
    from balise.grid.evidence_report import evidence_dict
    from balise.grid.models import Act
    from balise.territory.models import Establishment

    try:
        with _ready_engine(_settings()) as engine, session_factory(engine)() as session:
            if act is not None and session.scalar(select(Act.id).where(Act.code == act)) is None:
                err.print(_("No act has the code {code}.").format(code=act))
                raise typer.Exit(2)
            query = select(Establishment.id)
            if establishment is not None:
                query = query.where(Establishment.code == establishment)
            ids = list(session.scalars(query))
            if establishment is not None and not ids:
                err.print(_("No establishment has the code {code}.").format(code=establishment))
                raise typer.Exit(2)
            data = evidence_dict(evidence_for_acts(session, ids, act_code=act))
    except BaliseError as error:
        raise _fail(error) from error
    if as_json:
        print(json.dumps(data, ensure_ascii=False, indent=1))
        return
    table = Table(title=_("Evidence beside each reference time ({visits} realized visits)")
                  .format(visits=data["visits"] if data["visits"] is not None else "—"))
    for header in (_("Act"), _("Group"), _("Reference (min)"), _("Decision"), _("Visits"),
                   _("Median"), _("80th pct."), _("90th pct."), _("Over the reference"),
                   _("Overrun per team-week (min)")):
        table.add_column(header)
    for found in data["acts"]:
        ref = found["reference"]
        groups = [(_("All visits"), found["overall"])]
        if act is not None:
            groups += [(_("Iso-SMAF {low}–{high}").format(low=g["profiles"][0], high=g["profiles"][1]), g)
                       for g in found["by_iso_smaf"]]
            groups += [(g["name"], g) for g in found["by_team"]]
        for label, g in groups:
            table.add_row(found["code"], label, str(ref["minutes"]) if ref else "—",
                          (ref["decision_ref"] or _("none")) if ref else "—", *_evidence_cells(g))
    console.print(table)
    console.print(_("In brackets: 95 % confidence interval. Percentiles: visits of the act alone."))
    for found in data["acts"] if act is not None else []:
        for version in found["versions"]:
            flagged = version["flagged"]
            share = "—" if flagged["suppressed"] else f"{flagged['share_above']:.0%}"
            console.print(_("{minutes} min from {date} ({by}): would flag {share} of these visits.")
                          .format(minutes=version["minutes"], date=version["valid_from"],
                                  by=version["adopted_by"], share=share))


def _evidence_cells(group: dict[str, object]) -> list[str]:
    if group["suppressed"]:
        return [_("suppressed: fewer than 5 workers")] + [""] * 5

    def estimate(found: object) -> str:
        if not isinstance(found, dict):
            return "—"
        bounds = [("?" if found[k] is None else f"{found[k]:g}") for k in ("low", "high")]
        return f"{found['value']:g} [{bounds[0]}–{bounds[1]}]"

    share, overrun = group["share_above"], group["overrun_per_team_week"]
    return [str(group["visits"]), estimate(group["median"]), estimate(group["p80"]),
            estimate(group["p90"]), "—" if not isinstance(share, float) else f"{share:.0%}",
            "—" if not isinstance(overrun, float) else f"{overrun:.1f}"]


@app.command("plan")
def plan_command(
    team: Annotated[str | None, typer.Option(help="Team code: plan its day (or week).")] = None,
    day: Annotated[datetime | None, typer.Option(
        "--date", formats=["%Y-%m-%d"], help="The day to plan (default: today).")] = None,
    week: Annotated[str | None, typer.Option(
        "--week", help="Plan every day of a week: its ISO number (2026-W48) or its Monday.")] = None,
    apply: Annotated[bool, typer.Option("--apply", help="Write the plan to the database.")] = False,
    solomon: Annotated[Path | None, typer.Option(help="A Solomon VRPTW file to solve.")] = None,
    uhhc: Annotated[Path | None, typer.Option(help="A UHHC instance file to solve.")] = None,
    out: Annotated[Path | None, typer.Option(help="Where to write the UHHC solution.")] = None,
    time_limit: Annotated[float, typer.Option(min=0.1, max=3600)] = 10.0,
    seed: Annotated[int, typer.Option()] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Plan routes: a team's day or week, or a benchmark instance (Solomon, UHHC)."""
    import json

    try:
        if solomon is not None:
            from balise.planner.vrptw import solve_solomon

            print(json.dumps(solve_solomon(solomon, time_limit, seed)))
            return
        if uhhc is not None:
            from balise.planner.uhhc.plan import plan_uhhc_file

            print(json.dumps(plan_uhhc_file(uhhc, time_limit, seed, out)))
            return
        if team is None:
            err.print(_("Name a team (--team), a Solomon file (--solomon) or a UHHC file (--uhhc)."))
            raise typer.Exit(2)
        config = _settings()
        if week is not None and day is not None:
            err.print(_("Give --date or --week, not both."))
            raise typer.Exit(2)
        if week is not None:
            from balise.planner.plan_week import WeekNotUnderstood, week_days

            try:
                days = week_days(week)
            except WeekNotUnderstood as error:
                err.print(str(error))
                raise typer.Exit(2) from error
        else:
            from balise.core import clock

            days = [day.date() if day else clock.today()]
        _plan_team(config, team, days, apply, time_limit, seed, as_json)
    except BaliseError as error:
        raise _fail(error) from error


def _plan_team(config: Settings, code: str, days: list[date], apply: bool, time_limit: float,
               seed: int, as_json: bool) -> None:
    import json

    from sqlalchemy import select

    from balise.planner.day_report import plan_lines
    from balise.planner.risk_report import risk_lines
    from balise.planner.routing import FALLBACK_WARNINGS, routing_server
    from balise.planner.team_day import PlanSettings, apply_plan, plan_day
    from balise.territory.models import Team

    with _ready_engine(config) as engine, transaction(session_factory(engine)) as session:
        found = session.scalars(select(Team).where(Team.code == code)).all()
        if len(found) != 1:
            err.print(_("No team has the code {code}.").format(code=code))
            raise typer.Exit(2)
        settings = PlanSettings(time_limit_s=time_limit, seed=seed,
                                routing=routing_server(config))
        report = []
        for one_day in days:
            plan = plan_day(session, found[0], one_day, settings)
            if apply:
                apply_plan(session, plan)
            report.append({
                "date": one_day.isoformat(),
                "routes": {str(w): [s.visit_id for s in stops] for w, stops in plan.routes.items()},
                "unassigned": {str(v): reason for v, reason in plan.unassigned.items()},
                "travel_minutes": plan.travel_minutes,
                "late_risk": {str(w): risk for w, risk in plan.risks.items()},
                "max_late_risk": plan.max_risk,
                "above_max_late_risk": plan.over_risk,
                "warnings": plan.warnings,
            })
            for warning in plan.warnings:  # on stderr too, so --json readers see it
                err.print(_(FALLBACK_WARNINGS[warning]))
            if not as_json:
                console.print(_("{day}: {placed} visits on {workers} routes, {travel} min of "
                                "travel, {left} left unassigned.").format(
                    day=one_day.isoformat(), placed=sum(len(s) for s in plan.routes.values()),
                    workers=len(plan.routes), travel=round(plan.travel_minutes),
                    left=len(plan.unassigned)))
                for line in plan_lines(session, plan):
                    console.print("  " + line)
                for line in risk_lines(session, plan):
                    console.print("  " + line)
        if as_json:
            print(json.dumps(report))


summaries_app = typer.Typer(help="Summaries of realized visits (evidence, indicators)",
                            no_args_is_help=True)
app.add_typer(summaries_app, name="summaries")


@summaries_app.command("rebuild")
def summaries_rebuild(
    establishment: Annotated[str | None, typer.Option(help="Establishment code (default: all)")] = None,
) -> None:
    """Recompute the summaries from every visit (after restoring a backup or upgrading)."""
    import time

    from sqlalchemy import select

    from balise.grid.summary_upkeep import rebuild
    from balise.territory.models import Establishment

    try:
        with _ready_engine(_settings()) as db, transaction(session_factory(db)) as session:
            query = select(Establishment).order_by(Establishment.code)
            if establishment is not None:
                query = query.where(Establishment.code == establishment)
            chosen = list(session.scalars(query))
            if not chosen:
                err.print(_("No establishment has the code {code}.").format(code=establishment))
                raise typer.Exit(2)
            for est in chosen:
                started = time.perf_counter()
                counts = rebuild(session, est.id)
                console.print(_("{code}: {cells} evidence cells and {days} worker-days "
                                "rebuilt in {seconds:.1f} s.").format(
                    code=est.code, cells=counts["evidence_cells"], days=counts["worker_days"],
                    seconds=time.perf_counter() - started))
    except BaliseError as error:
        raise _fail(error) from error


surveys_app = typer.Typer(help="Surveys", no_args_is_help=True)
app.add_typer(surveys_app, name="surveys")


@surveys_app.command("close-due")
def surveys_close_due() -> None:
    """Close the survey campaigns whose closing day has passed (run daily)."""
    from balise.indicators.survey_service import close_due_campaigns

    try:
        with _ready_engine(_settings()) as engine, transaction(session_factory(engine)) as session:
            closed = [campaign.id for campaign in close_due_campaigns(session)]
    except BaliseError as error:
        raise _fail(error) from error
    console.print(_("{count} campaign(s) closed.").format(count=len(closed)))


retention_app = typer.Typer(help="Retention of personal information", no_args_is_help=True)
app.add_typer(retention_app, name="retention")


@retention_app.command("run")
def retention_run(
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Count what is past its period; change nothing.")] = False,
) -> None:
    """Delete or clear what is past its retention period (docs/privacy/retention.md); run daily."""
    from balise.core import clock
    from balise.retention import SCHEDULE, describe, purge

    try:
        with _ready_engine(_settings()) as engine, session_factory(engine)() as session:
            counts = purge(session, clock.today(), dry_run=dry_run)
    except BaliseError as error:
        raise _fail(error) from error
    for rule in SCHEDULE:
        console.print(describe(rule, counts[rule.category], dry_run=dry_run))
    if dry_run:
        console.print(_("Dry run: nothing was changed."))


from balise.cli_committees import committees_app  # noqa: E402  (uses the helpers above)

app.add_typer(committees_app, name="committees")

if __name__ == "__main__":
    app()
