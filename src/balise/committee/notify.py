"""Telling members by email that a proposal awaits their stance.

The committee page already lists what awaits each member (``queries.awaiting_stance``);
email is for those who are not looking. It goes through the SMTP server named by
``BALISE_SMTP_URL`` (``smtp://host:port``, ``smtp://user:password@host:587`` with
STARTTLS when the server offers it, or ``smtps://host:465``), in each member's language.

Filing a proposal and amending it send the notice at once (:func:`notify_filed`) to
the address each member gave the committee (``CommitteeMember.email``); a failing mail
server never undoes the proposal: the page says the notice was not sent and the log
keeps why. ``balise notify-stances`` reminds everyone later; for members without an
address it falls back to ``username@domain`` (:func:`addresses_at_domain`), an interim
rule for organisations whose user names are their mailbox names.

The sender is ``balise@localhost`` unless the URL names one: ``smtp://host:25?from=
balise@cisss.example``.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from balise.accounts.models import User
from balise.committee.models import Committee, CommitteeMember, Proposal
from balise.committee.queries import count_of
from balise.committee.record_errors import RecordError
from balise.core.i18n import gettext as _
from balise.core.i18n import language

TIMEOUT_SECONDS = 15
# On filing, a person waits for the page: a mail server that does not answer gets less.
FILING_TIMEOUT_SECONDS = 5
DEFAULT_SENDER = "balise@localhost"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    implicit_tls: bool = False
    username: str = ""
    password: str = field(default="", repr=False)
    sender: str = DEFAULT_SENDER
    timeout: float = TIMEOUT_SECONDS


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
    sender = (parse_qs(parts.query).get("from") or [DEFAULT_SENDER])[0]
    return SmtpServer(parts.hostname, port or (465 if implicit_tls else 25), implicit_tls,
                      unquote(parts.username or ""), unquote(parts.password or ""), sender)


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
                   to: str, base_url: str = "", stance: bool = True) -> EmailMessage:
    """The message for one member, in that member's language; ``stance=False`` for a
    member without a vote, who is told of the proposal without being asked for a stance."""
    title = _one_line(proposal.current.title)
    names = {"title": title, "version": proposal.version,
             "committee": _one_line(committee.name)}
    with language(user.language):
        message = EmailMessage()
        message["From"] = sender
        message["To"] = to
        if stance:
            message["Subject"] = _("[Balise] A proposal awaits your stance: {title}").format(
                title=title)
            said = _("The proposal « {title} » (version {version}) of the committee "
                     "{committee} awaits your stance.").format(**names)
        else:
            message["Subject"] = _("[Balise] New proposal: {title}").format(title=title)
            said = _("The proposal « {title} » (version {version}) is before the committee "
                     "{committee}.").format(**names)
        lines = [_("Hello {name},").format(name=user.display_name), "", said]
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
                         addresses: Mapping[int, str], *, sender: str = "",
                         base_url: str = "", inform_others: bool = False,
                         timeout: float = TIMEOUT_SECONDS) -> Notified:
    """Email every member awaiting a stance on the proposal, over one SMTP connection.

    Sending is not a change to the committee's records, so it is not journaled; an SMTP
    error propagates (``smtplib.SMTPException`` or ``OSError``) for the caller to report.
    """
    server = parse_smtp_url(smtp_url)
    sender = sender or server.sender
    committee = session.get_one(Committee, proposal.committee_id)
    messages: list[EmailMessage] = []
    without: list[str] = []
    awaiting = awaiting_members(session, proposal)
    told = [(member, user, True) for member, user in awaiting]
    if inform_others:
        waiting_ids = {member.id for member, _user in awaiting}
        told += [(member, session.get_one(User, member.user_id), False)
                 for member in committee.members
                 if member.active and member.id not in waiting_ids]
    for _member, user, stance in told:
        address = addresses.get(user.id)
        if not address:
            without.append(user.username)
            continue
        messages.append(stance_message(user, committee, proposal, sender=sender, to=address,
                                       base_url=base_url, stance=stance))
    if messages:
        _send(server, messages, timeout)
    return Notified([str(m["To"]) for m in messages], without)


def _send(server: SmtpServer, messages: list[EmailMessage], timeout: float) -> None:
    context = ssl.create_default_context()
    connection: smtplib.SMTP
    if server.implicit_tls:
        connection = smtplib.SMTP_SSL(server.host, server.port, timeout=timeout,
                                      context=context)
    else:
        connection = smtplib.SMTP(server.host, server.port, timeout=timeout)
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
        addresses = {**addresses_at_domain(session, [user.id for _m, user in waiting], domain),
                     **member_addresses(session, proposal)}
        sent.append((proposal, notify_stance_needed(
            session, proposal, smtp_url, addresses,
            sender=f"balise@{domain.strip().lstrip('@')}", base_url=base_url)))
    return sent


def member_addresses(session: Session, proposal: Proposal) -> dict[int, str]:
    """The address each active member gave the committee (user id → address)."""
    committee = session.get_one(Committee, proposal.committee_id)
    return {m.user_id: m.email for m in committee.members if m.active and m.email}


@dataclass(frozen=True)
class FilingNotice:
    """What became of the email notice of a filing or an amendment."""

    status: str  # "off" (no mail server configured), "sent" or "failed"
    sent: int = 0
    without_address: int = 0


def notify_filed(session: Session, proposal: Proposal, smtp_url: str, *,
                 base_url: str = "") -> FilingNotice:
    """Tell every member of a proposal just filed or amended, once it is committed.

    Voting members and substitutes are asked for their stance; the others are told of
    it. An unreachable or refusing mail server, or a bad setting, is logged and
    reported, never raised: the proposal stands and the members see it in Balise.
    """
    if not smtp_url.strip():
        return FilingNotice("off")
    try:
        notified = notify_stance_needed(
            session, proposal, smtp_url, member_addresses(session, proposal),
            base_url=base_url, inform_others=True, timeout=FILING_TIMEOUT_SECONDS)
    except (OSError, smtplib.SMTPException, RecordError) as error:
        log.warning("email notice of proposal %s (version %s) not sent: %s", proposal.id,
                    proposal.version, error)
        return FilingNotice("failed")
    if notified.without_address:
        log.info("proposal %s: no email address for %s", proposal.id,
                 ", ".join(notified.without_address))
    return FilingNotice("sent", len(notified.sent), len(notified.without_address))
