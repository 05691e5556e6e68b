"""Principle 2 of DESIGN.md, in one place: no individual surveillance.

* A figure about workers computed over fewer than ``K_MIN`` distinct workers is
  suppressed: it is not shown, not rounded, not replaced by a range.
* One worker's own time figures are shown to that worker only.

Every query that returns figures about workers builds them through :func:`guard`
or :func:`guard_groups`; every view of one worker's figures asks :func:`own_figures`.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from balise.core.access import Viewer
from balise.core.errors import NotFound

K_MIN = 5

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Guarded(Generic[T]):
    """A figure with the number of distinct workers behind it; ``value`` is None when
    suppressed, so that no template can show it by mistake."""

    value: T | None
    workers: int

    @property
    def suppressed(self) -> bool:
        return self.value is None


def guard(value: T, worker_ids: Iterable[int]) -> Guarded[T]:
    distinct = len(set(worker_ids))
    if distinct < K_MIN:
        return Guarded(None, distinct)
    return Guarded(value, distinct)


def guard_count(value: T, distinct_workers: int) -> Guarded[T]:
    """Same rule when the query already counted distinct workers."""
    if distinct_workers < K_MIN:
        return Guarded(None, distinct_workers)
    return Guarded(value, distinct_workers)


def guard_groups(groups: Mapping[K, tuple[T, int]]) -> dict[K, Guarded[T]]:
    """Guard a table of groups given as ``key -> (value, distinct workers)``."""
    return {key: guard_count(value, n) for key, (value, n) in groups.items()}


def own_figures(viewer: Viewer, worker_id: int) -> None:
    """Only the worker sees their own time figures; anyone else gets "not found"."""
    if not viewer.is_worker(worker_id):
        raise NotFound()
