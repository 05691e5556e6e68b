"""The field app's JavaScript texts, translated on the server and handed to the page in
a data attribute: the catalogs stay the one source of every visible string."""

from __future__ import annotations

from balise.core.i18n import gettext as _
from balise.core.i18n import lazy

STRINGS: dict[str, str] = {
    "start": lazy("Start"),
    "finish": lazy("Finish"),
    "not_done": lazy("Not done"),
    "save": lazy("Save"),
    "details": lazy("Details and corrections"),
    "started_at": lazy("Started at {time}"),
    "start_time": lazy("Start"),
    "end_time": lazy("End"),
    "travel": lazy("Travel to this visit (min)"),
    "acts_done": lazy("Acts done"),
    "reasons": lazy("What made this visit different (optional)"),
    "unmet": lazy("Needs left unmet (they go to the waiting list)"),
    "note": lazy("Note (optional)"),
    "window": lazy("window {start}–{end}"),
    "planned_minutes": lazy("Planned: {n} min"),
    "reference": lazy("reference {n} min, for information only"),
    "client": lazy("Client {code}"),
    "added": lazy("added"),
    "status_planned": lazy("Planned"),
    "status_done": lazy("Done"),
    "status_not_done": lazy("Not done"),
    "status_cancelled": lazy("Cancelled"),
    "status_started": lazy("In progress"),
    "waiting_badge": lazy("Waiting to be sent"),
    "no_visit": lazy("No visit planned today."),
    "outbox_empty": lazy("Everything you recorded is on the server."),
    "outbox_count": lazy("Waiting to be sent: {n}"),
    "outbox_list": lazy("What is waiting"),
    "send_now": lazy("Send now"),
    "sending": lazy("Sending…"),
    "offline": lazy("No network: what you record stays on this phone and is sent when the network returns."),
    "online": lazy("Network available."),
    "last_sent": lazy("Last sent at {time}."),
    "login_again": lazy("Your session has ended: log in again to send what is waiting. It stays on this phone."),
    "log_in": lazy("Log in"),
    "server_error": lazy("The server did not answer; another try will follow by itself."),
    "offline_copy": lazy("Offline copy of the day, from {time}."),
    "saved_local": lazy("Saved on this phone."),
    "refused_title": lazy("Refused by the server"),
    "dismiss": lazy("Remove from this phone"),
    "superseded": lazy("Another version of a visit was kept: see the visit."),
    "visit_of": lazy("Visit of {time} (client {code})"),
    "storage_failed": lazy("This browser cannot keep data offline (private mode?): keep the network on until the list is empty."),
    "logout_pending": lazy("Not on the server yet: {n} (waiting to be sent, refused or started). If you log out now, they stay on this phone, and nothing else of your day, until you log in here again."),
    "hint": lazy("Nothing here is required: one tap closes a visit. A reason is never a justification."),
}


def translated() -> dict[str, str]:
    return {key: _(text) for key, text in STRINGS.items()}
