"""Telling members by email that a proposal awaits their stance.

The committee page already lists what awaits each member (``queries.awaiting_stance``);
email is for those who are not looking. It goes through the SMTP server named by
``BALISE_SMTP_URL`` (``smtp://host:port``, ``smtp://user:password@host:587`` with
STARTTLS when the server offers it, or ``smtps://host:465``), in each member's language.

Users have no email address in Balise yet. :func:`notify_stance_needed` therefore takes
the addresses from its caller (user id → address); :func:`addresses_at_domain` builds
them as ``username@domain``, an interim rule for organisations whose user names are
their mailbox names, until accounts carry an address of their own.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from balise.accounts.models import User
from balise.committee.models import Committee, CommitteeMember, Proposal
from balise.committee.queries import count_of
from balise.committee.record_errors import RecordError
from balise.core.i18n import gettext as _
from balise.core.i18n import language

TIMEOUT_SECONDS = 15


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    implicit_tls: bool = False
    username: str = ""
    password: str = field(default="", repr=False)


def parse_smtp_url(url: str) -> SmtpServer:
    if not url.strip():
        raise RecordError("smtp_url", "smtp_not_configured")
    parts = urlsplit(url.strip())
    try:
        port = parts.port
    except ValueError as exc:
        raise RecordError("smtp_url", "smtp_url", url=parts.hostname or url) from exc
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise RecordError("smtp_url", "smtp_url", url=parts.hostname or parts.scheme or "?")
    implicit_tls = parts.scheme == "smtps"
    return SmtpServer(parts.hostname, port or (465 if implicit_tls else 25), implicit_tls,
                      unquote(parts.username or ""), unquote(parts.password or ""))


def addresses_at_domain(session: Session, user_ids: Iterable[int],
                        domain: str) -> dict[int, str]:
    """Interim: ``username@domain`` for each user (see the module docstring)."""
    domain = domain.strip().lstrip("@")
    if not domain:
        raise RecordError("domain", "mail_domain_required")
    rows = session.execute(select(User.id, User.username).where(User.id.in_(list(user_ids))))
    return {user_id: f"{username}@{domain}" for user_id, username in rows}


def awaiting_members(session: Session, proposal: Proposal) -> list[tuple[CommitteeMember, User]]:
    """Members whose seat still lacks a stance on the current version: the titular
    member and, as on the committee page, their substitute (either may answer)."""
    if proposal.status != "open":
        return []
    committee = session.get_one(Committee, proposal.committee_id)
    missing = set(count_of(committee, proposal).missing)
    waiting = []
    for member in committee.members:
        seat = member.id if member.voting else member.substitute_for_id
        if member.active and seat in missing:
            user = session.get_one(User, member.user_id)
            if user.active:
                waiting.append((member, user))
    return waiting


def _one_line(text: str) -> str:
    # A header cannot hold a line break; a title typed with one must not break the mail.
    return " ".join(text.split())


def stance_message(user: User, committee: Committee, proposal: Proposal, *, sender: str,
                   to: str, base_url: str = "") -> EmailMessage:
    """The message for one member, in that member's language."""
    title = _one_line(proposal.current.title)
    with language(user.language):
        message = EmailMessage()
        message["From"] = sender
        message["To"] = to
        message["Subject"] = _("[Balise] A proposal awaits your stance: {title}").format(
            title=title)
        lines = [
            _("Hello {name},").format(name=user.display_name),
            "",
            _("The proposal « {title} » (version {version}) of the committee {committee} "
              "awaits your stance.").format(title=title, version=proposal.version,
                                            committee=_one_line(committee.name)),
        ]
        if proposal.deadline is not None:
            lines.append(_("Deadline: {date}.").format(date=proposal.deadline.isoformat()))
        if base_url:
            lines += ["", f"{base_url.rstrip('/')}/proposals/{proposal.id}"]
        lines += ["", _("This message was sent by Balise; you can also see what awaits "
                        "your stance on the Committees page.")]
        message.set_content("\n".join(lines))
    return message


@dataclass(frozen=True)
class Notified:
    sent: list[str]  # addresses
    without_address: list[str]  # usernames of members the caller gave no address for


def notify_stance_needed(session: Session, proposal: Proposal, smtp_url: str,
                         addresses: Mapping[int, str], *, sender: str = "balise@localhost",
                         base_url: str = "") -> Notified:
    """Email every member awaiting a stance on the proposal, over one SMTP connection.

    Sending is not a change to the committee's records, so it is not journaled; an SMTP
    error propagates (``smtplib.SMTPException`` or ``OSError``) for the caller to report.
    """
    server = parse_smtp_url(smtp_url)
    committee = session.get_one(Committee, proposal.committee_id)
    messages: list[EmailMessage] = []
    without: list[str] = []
    for _member, user in awaiting_members(session, proposal):
        address = addresses.get(user.id)
        if not address:
            without.append(user.username)
            continue
        messages.append(stance_message(user, committee, proposal, sender=sender, to=address,
                                       base_url=base_url))
    if messages:
        _send(server, messages)
    return Notified([str(m["To"]) for m in messages], without)


def _send(server: SmtpServer, messages: list[EmailMessage]) -> None:
    context = ssl.create_default_context()
    connection: smtplib.SMTP
    if server.implicit_tls:
        connection = smtplib.SMTP_SSL(server.host, server.port, timeout=TIMEOUT_SECONDS,
                                      context=context)
    else:
        connection = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT_SECONDS)
    with connection:
        connection.ehlo()
        if not server.implicit_tls and connection.has_extn("starttls"):
            connection.starttls(context=context)
            connection.ehlo()
        if server.username:
            connection.login(server.username, server.password)
        for message in messages:
            connection.send_message(message)


def remind_all(session: Session, smtp_url: str, domain: str, *,
               base_url: str = "") -> list[tuple[Proposal, Notified]]:
    """Remind every member of every open proposal still awaiting their stance, with
    addresses built by :func:`addresses_at_domain` (the ``balise notify-stances`` rule)."""
    parse_smtp_url(smtp_url)  # refuse a bad setting before anything else
    sent = []
    proposals = session.scalars(select(Proposal).where(Proposal.status == "open")
                                .order_by(Proposal.id))
    for proposal in proposals:
        waiting = awaiting_members(session, proposal)
        if not waiting:
            continue
        addresses = addresses_at_domain(session, [user.id for _m, user in waiting], domain)
        sent.append((proposal, notify_stance_needed(
            session, proposal, smtp_url, addresses,
            sender=f"balise@{domain.strip().lstrip('@')}", base_url=base_url)))
    return sent
