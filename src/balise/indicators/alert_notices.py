"""Telling committee members of a new balancing alert, once.

The dashboard and the *Committees* page show the alerts whenever they are looked at;
members who are not looking are told by :func:`notify_balancing_alerts`, which
``balise indicators notify-alerts`` runs after the nightly computation. For each
project with an adopted indicator set it compares the alerts of the stored figures
with the notices already given (:class:`~balise.indicators.alert_models.AlertNotice`):

* a member not yet told of an alert gets a notice row and, when a mail server is
  configured (``BALISE_SMTP_URL``) and the member gave the committee an address, an
  email in their language;
* a notice whose alert no longer holds is cleared, so that the same alert raised again
  later is told again;
* nothing else: running it twice, or viewing pages, sends nothing more.

Sending is not a change to the committee's records, so it is not journaled (as for
stance reminders, :mod:`balise.committee.notify`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.orm import Session

from balise.accounts.models import User
from balise.committee.models import Committee, CommitteeMember, Project
from balise.committee.notify import _send, parse_smtp_url
from balise.core import clock
from balise.core.i18n import gettext as _
from balise.core.i18n import language
from balise.indicators.alert_models import AlertNotice
from balise.indicators.dashboard import BalancingAlert, balancing_alerts
from balise.indicators.models import ProjectIndicator

Key = tuple[str, str, str]  # volume code, volume need, balancing code


def key_of(alert: BalancingAlert) -> Key:
    return (alert.volume.definition.code, alert.volume.need, alert.balancing.definition.code)


@dataclass
class Told:
    """What one run did."""

    notices: int = 0  # new notice rows (one per member and new alert)
    emailed: list[str] = field(default_factory=list)  # addresses
    cleared: int = 0  # notices whose alert no longer holds


def _projects_with_indicators(session: Session) -> list[Project]:
    ids = select(ProjectIndicator.project_id).where(
        ProjectIndicator.ended_by_decision_id.is_(None))
    return list(session.scalars(select(Project).where(Project.id.in_(ids)).order_by(Project.id)))


def _members(session: Session, committee: Committee) -> list[tuple[CommitteeMember, User]]:
    found = []
    for member in committee.members:
        user = session.get_one(User, member.user_id)
        if member.active and user.active:
            found.append((member, user))
    return found


def alert_message(user: User, project: Project, alert: BalancingAlert, *, sender: str,
                  to: str, base_url: str = "") -> EmailMessage:
    """The email for one member, in that member's language."""
    title = " ".join(project.title.split())  # a header cannot hold a line break
    with language(user.language):
        message = EmailMessage()
        message["From"] = sender
        message["To"] = to
        message["Subject"] = _("[Balise] Balancing alert: {project}").format(project=title)
        lines = [_("Hello {name},").format(name=user.display_name), "",
                 _("Project « {project} »:").format(project=title), alert.sentence()]
        if base_url:
            lines += ["", f"{base_url.rstrip('/')}/projects/{project.id}/dashboard"]
        lines += ["", _("You are told of each alert once; the project dashboard and the "
                        "Committees page show it as long as it holds.")]
        message.set_content("\n".join(lines))
    return message


def notify_balancing_alerts(session: Session, smtp_url: str = "", *,
                            base_url: str = "") -> Told:
    """Record and send the notices of every new balancing alert (see the module doc).

    The notices are written in the caller's transaction; an SMTP error propagates
    (``smtplib.SMTPException`` or ``OSError``) before anything is flushed, so that a
    failed run is retried whole by the next one."""
    server = parse_smtp_url(smtp_url) if smtp_url.strip() else None
    now = clock.now()
    told = Told()
    rows: list[AlertNotice] = []
    messages: list[EmailMessage] = []
    for project in _projects_with_indicators(session):
        alerts = {key_of(a): a for a in balancing_alerts(session, project)}
        open_rows = list(session.scalars(select(AlertNotice).where(
            AlertNotice.project_id == project.id, AlertNotice.cleared_at.is_(None))))
        for row in open_rows:
            if (row.volume_code, row.volume_need, row.balancing_code) not in alerts:
                row.cleared_at = now
                told.cleared += 1
        already = {(row.user_id, row.volume_code, row.volume_need, row.balancing_code)
                   for row in open_rows if row.cleared_at is None}
        committee = session.get_one(Committee, project.committee_id)
        for key, alert in alerts.items():
            for member, user in _members(session, committee):
                if (user.id, *key) in already:
                    continue
                address = member.email if server is not None else ""
                rows.append(AlertNotice(project_id=project.id, user_id=user.id,
                                        volume_code=key[0], volume_need=key[1],
                                        balancing_code=key[2], raised_at=now,
                                        emailed_to=address))
                already.add((user.id, *key))
                if server is not None and address:
                    messages.append(alert_message(user, project, alert, sender=server.sender,
                                                  to=address, base_url=base_url))
    if server is not None and messages:
        _send(server, messages, server.timeout)
    session.add_all(rows)
    session.flush()
    told.notices = len(rows)
    told.emailed = [str(m["To"]) for m in messages]
    return told

