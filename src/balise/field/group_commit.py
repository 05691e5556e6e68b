"""Group commit for the sync: batches that arrive while a sync transaction runs in this
process wait for it; then one of them applies all that waited in one transaction, and
each gets its own answer once that transaction has committed.

What a transaction costs beyond its records (the visits' summaries, reading the
versions in force, the commit and its disk sync) is then paid once per group instead of
once per batch (docs/field-sync.md, "Cost per record"). Nothing else changes: each batch
keeps its own key, answer and sender's rights, and a group that fails is done again one
batch at a time, as if each had come alone (:mod:`balise.field.service` decides that).
Two copies of one batch never share a group.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from balise.core.access import Viewer
from balise.field.protocol import SyncRequest

# At most this many records in one group transaction: ten batches of 20, or one of
# 200. A group takes ~0.2 s on this machine; a larger one would add to every wait.
GROUP_RECORDS = 200


@dataclass(eq=False)  # two copies of one batch are two jobs: told apart by identity
class Job:
    """One batch as received, then what became of it: an answer or an error."""

    viewer: Viewer
    key: str
    fingerprint: str
    request: SyncRequest
    answer: object | None = None
    error: BaseException | None = None

    @property
    def done(self) -> bool:
        return self.answer is not None or self.error is not None


ApplyGroup = Callable[[Session, list[Job]], None]  # sets every job's answer or error
ApplyAlone = Callable[[Session, Job], None]


class GroupCommit:
    """The batches waiting in one process for one database, and whose turn it is."""

    def __init__(self) -> None:
        self._turn = threading.Condition()
        self._waiting: list[Job] = []
        self._busy = False

    def run(self, session: Session, job: Job, apply_group: ApplyGroup,
            apply_alone: ApplyAlone) -> None:
        """Return once ``job`` is done: applied in a group by this thread (with
        ``session``) or by another request's thread."""
        if getattr(_applying, "active", False):
            # A batch received from inside a group of this very thread: it cannot wait
            # for itself. Only tests do this (a twin stored mid-batch); apply it alone.
            apply_alone(session, job)
            return
        try:
            self._wait_or_lead(session, job, apply_group)
        except BaseException:
            # This request is failing (interrupted while waiting, or its group's
            # leader failed): its batch must not be applied later with nobody waiting.
            with self._turn:
                if job in self._waiting:
                    self._waiting.remove(job)
            raise

    def _wait_or_lead(self, session: Session, job: Job, apply_group: ApplyGroup) -> None:
        with self._turn:
            self._waiting.append(job)
            while not job.done:
                if self._busy:
                    self._turn.wait()
                    continue
                self._busy = True
                group = self._take()
                self._turn.release()
                try:
                    _applying.active = True
                    apply_group(session, group)
                finally:
                    _applying.active = False
                    for unfinished in (j for j in group if not j.done):
                        unfinished.error = RuntimeError("sync group interrupted")
                    self._turn.acquire()
                    self._busy = False
                    self._turn.notify_all()

    def _take(self) -> list[Job]:
        """The waiting batches, oldest first, up to ``GROUP_RECORDS`` records; a copy of
        a batch already taken waits for the next group, where it answers as a replay."""
        group: list[Job] = []
        keys: set[tuple[int, str]] = set()
        records = 0
        for job in self._waiting:
            size = len(job.request.records)
            if (job.viewer.user_id, job.key) in keys or (group and records + size
                                                         > GROUP_RECORDS):
                continue
            group.append(job)
            keys.add((job.viewer.user_id, job.key))
            records += size
        self._waiting = [job for job in self._waiting if job not in group]
        return group

    def waiting(self) -> int:
        """How many batches wait for their turn (tests hold a group until they do)."""
        with self._turn:
            return len(self._waiting)


_applying = threading.local()
_group_commits: WeakKeyDictionary[Engine | Connection, GroupCommit] = WeakKeyDictionary()
_group_commits_lock = threading.Lock()


def group_commit_of(bind: Engine | Connection) -> GroupCommit:
    with _group_commits_lock:
        return _group_commits.setdefault(bind, GroupCommit())
