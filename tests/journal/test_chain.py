"""The hash chain as pure functions: every way of tampering is caught, and where.

The mutation suite applies each mutation at every position of a 40-entry chain (after
the transparency-dev/merkle tests, which corrupt every proof of every tree size). A
mutation inside the chain must fail the internal check at a named entry; a consistent
rewrite or a cut tail passes the internal check by construction and must fail against
the head a member kept (count and hash, as printed in the minutes).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

import pytest

from balise.core.errors import InvalidInput
from balise.core.i18n import catalog, language
from balise.journal.chain import (
    CONTENT,
    GENESIS,
    HEAD_FORMAT,
    INTACT,
    LINK,
    MESSAGES,
    REWRITTEN,
    SEQUENCE,
    TRUNCATED,
    ChainEntry,
    Head,
    Verification,
    canonical,
    canonical_payload,
    check_against_head,
    check_against_heads,
    entry_hash,
    parse_head,
    verify_entries,
)

N = 40
Chain = list[ChainEntry]


def seal(entry: ChainEntry, prev_hash: str) -> ChainEntry:
    """The entry as an honest writer (or a thorough forger) would store it."""
    linked = dataclasses.replace(entry, prev_hash=prev_hash, hash="")
    return dataclasses.replace(linked, hash=entry_hash(linked))


def build_chain(n: int = N) -> Chain:
    chain: Chain = []
    prev = GENESIS
    for seq in range(1, n + 1):
        entry = seal(ChainEntry(
            seq=seq,
            at=f"2026-11-{1 + seq % 28:02d}T09:{seq % 60:02d}:00",
            establishment_id=1 if seq % 3 else None,
            actor_user_id=seq % 5 or None,
            action="committee.proposal.adopted" if seq % 2 else "grid.reference_time.changed",
            subject=f"proposal:{seq}",
            payload={"act": "BAIN", "minutes": 30 + seq, "note": "Équipe « T1 »"},
            prev_hash="", hash="",
        ), prev)
        chain.append(entry)
        prev = entry.hash
    return chain


def reseal_from(chain: Chain, start: int) -> Chain:
    """Recompute every link and hash from index ``start`` on: a consistent rewrite."""
    out = chain[:start]
    prev = out[-1].hash if out else GENESIS
    for position, entry in enumerate(chain[start:], start=start + 1):
        sealed = seal(dataclasses.replace(entry, seq=position), prev)
        out.append(sealed)
        prev = sealed.hash
    return out


def edit(k: int, **changes: object) -> Callable[[Chain], Chain]:
    def mutate(chain: Chain) -> Chain:
        out = list(chain)
        out[k] = dataclasses.replace(out[k], **changes)  # type: ignore[arg-type]
        return out
    return mutate


def forged(entry: ChainEntry) -> ChainEntry:
    return dataclasses.replace(entry, action="committee.decision.recorded",
                               payload={"forged": True})


# Each mutation: (name, positions it applies to, function of (chain, k), and what the
# check must say: the reason and the first broken seq, or HEAD_ONLY when only a kept
# head can reveal it). Positions are 0-based indices; seq = k + 1.
HEAD_ONLY = "head_only"
Mutation = tuple[str, Callable[[int], range], Callable[[Chain, int], Chain],
                 Callable[[int], tuple[str, int]]]
EVERY = range  # every position of the chain
MUTATIONS: list[Mutation] = [
    # Content edited in place, hash left as it was: the entry itself no longer matches.
    ("edit payload", EVERY, lambda c, k: edit(k, payload={"minutes": 1})(c),
     lambda k: (CONTENT, k + 1)),
    ("edit action", EVERY, lambda c, k: edit(k, action="committee.proposal.filed")(c),
     lambda k: (CONTENT, k + 1)),
    ("edit time by one second", EVERY,
     lambda c, k: edit(k, at=c[k].at[:-1] + "1")(c), lambda k: (CONTENT, k + 1)),
    ("edit actor", EVERY, lambda c, k: edit(k, actor_user_id=999)(c),
     lambda k: (CONTENT, k + 1)),
    ("edit establishment", EVERY, lambda c, k: edit(k, establishment_id=2)(c),
     lambda k: (CONTENT, k + 1)),
    ("edit subject", EVERY, lambda c, k: edit(k, subject="proposal:999")(c),
     lambda k: (CONTENT, k + 1)),
    # The stored hash replaced by another well-formed one.
    ("edit own hash", EVERY, lambda c, k: edit(k, hash="f" * 64)(c),
     lambda k: (CONTENT, k + 1)),
    # The link to the previous entry altered.
    ("edit prev link", EVERY, lambda c, k: edit(k, prev_hash="e" * 64)(c),
     lambda k: (LINK, k + 1)),
    # Edited and its own hash recomputed: the next entry's link gives it away; on the
    # last entry nothing follows, so only the kept head can.
    ("edit and rehash one", EVERY,
     lambda c, k: [*c[:k], seal(dataclasses.replace(c[k], payload={"x": 1}), c[k].prev_hash),
                   *c[k + 1:]],
     lambda k: (LINK, k + 2) if k + 1 < N else (HEAD_ONLY, N)),
    # One entry removed: its successor stands in its place. Removing the last is a cut.
    ("delete one", EVERY, lambda c, k: [*c[:k], *c[k + 1:]],
     lambda k: (SEQUENCE, k + 1) if k + 1 < N else (HEAD_ONLY, N)),
    # A forged entry slipped in before entry k+1, perfectly sealed, numbers unchanged.
    ("insert forged", EVERY,
     lambda c, k: [*c[:k], seal(dataclasses.replace(forged(c[k]), seq=k + 1),
                                c[k].prev_hash), *c[k:]],
     lambda k: (SEQUENCE, k + 2)),
    # The same, with the following entries renumbered (hashes then no longer match).
    ("insert and renumber", EVERY,
     lambda c, k: [*c[:k], seal(dataclasses.replace(forged(c[k]), seq=k + 1), c[k].prev_hash),
                   *(dataclasses.replace(e, seq=e.seq + 1) for e in c[k:])],
     lambda k: (LINK, k + 2)),
    # An entry repeated.
    ("duplicate", EVERY, lambda c, k: [*c[:k + 1], c[k], *c[k + 1:]],
     lambda k: (SEQUENCE, k + 2)),
    # Two neighbours swapped.
    ("swap with next", lambda n: range(n - 1), lambda c, k: [*c[:k], c[k + 1], c[k], *c[k + 2:]],
     lambda k: (SEQUENCE, k + 1)),
    # The whole order reversed from k on.
    ("reverse tail", lambda n: range(n - 1), lambda c, k: [*c[:k], *reversed(c[k:])],
     lambda k: (SEQUENCE, k + 1)),
    # The tail cut after k entries: a shorter chain, intact in itself.
    ("truncate", EVERY, lambda c, k: c[:k], lambda k: (HEAD_ONLY, N)),
    # Entry k edited and the rest of the chain recomputed: intact in itself.
    ("rewrite whole chain from k", EVERY,
     lambda c, k: reseal_from(edit(k, payload={"rewritten": True})(c), k),
     lambda k: (HEAD_ONLY, N)),
    # Tail cut and replaced by as many forged entries: same size, different history.
    ("truncate and refill", EVERY,
     lambda c, k: reseal_from([*c[:k], *(forged(e) for e in c[k:])], k),
     lambda k: (HEAD_ONLY, N)),
]


def judge(mutate: Callable[[Chain, int], Chain], k: int,
          expect: Callable[[int], tuple[str, int]]) -> list[str]:
    """What is wrong with the verdicts on one mutated chain (empty when all is right)."""
    original = build_chain()
    tampered = mutate(original, k)
    reason, seq = expect(k)
    internal = verify_entries(tampered)
    with_head = check_against_head(tampered, N, original[-1].hash)
    problems = []
    if reason == HEAD_ONLY:
        # By construction a consistent rewrite or a cut passes on its own, and the
        # kept head catches it: a cut by its size, a rewrite by its hash.
        cut = internal.count < N
        wanted = (TRUNCATED, internal.count + 1) if cut else (REWRITTEN, N)
        if not internal.ok:
            problems.append(f"internal check should pass, said {internal.reason_code}")
    else:
        if (internal.reason_code, internal.first_broken_seq) != (reason, seq):
            problems.append(f"internal: {internal.reason_code}@{internal.first_broken_seq}"
                            f" instead of {reason}@{seq}")
        # A forged entry standing where the kept head's entry was is named by the head
        # before the numbering after it is (a duplicate of the head entry is not).
        replaced_head = seq > N and tampered[N - 1].hash != original[-1].hash
        wanted = (REWRITTEN, N) if replaced_head else (reason, seq)
    if with_head.ok or (with_head.reason_code, with_head.first_broken_seq) != wanted:
        problems.append(f"with head: {with_head.reason_code}@{with_head.first_broken_seq}"
                        f" instead of {wanted[0]}@{wanted[1]}")
    return [f"position {k + 1}: {problem}" for problem in problems]


def test_honest_chain_verifies() -> None:
    chain = build_chain()
    result = verify_entries(chain)
    assert result == Verification(ok=True, count=N, head_hash=chain[-1].hash)
    assert check_against_head(chain, N, chain[-1].hash).ok
    assert check_against_head(chain, 10, chain[9].hash).ok  # an older head still holds


def test_empty_journal_is_intact_with_genesis_head() -> None:
    assert verify_entries([]) == Verification(ok=True, count=0, head_hash=GENESIS)
    assert check_against_head([], 0, GENESIS).ok


@pytest.mark.parametrize(("positions", "mutate", "expect"),
                         [pytest.param(*m[1:], id=m[0]) for m in MUTATIONS])
def test_mutation_is_detected_at_every_position(
    positions: Callable[[int], range],
    mutate: Callable[[Chain, int], Chain],
    expect: Callable[[int], tuple[str, int]],
) -> None:
    problems = [problem for k in positions(N) for problem in judge(mutate, k, expect)]
    assert problems == []


def test_mutation_suite_detects_all() -> None:
    """The figure the committee is promised: 100 % of mutations detected with a kept head."""
    original = build_chain()
    head = original[-1].hash
    total = detected = 0
    for _name, positions, mutate, _expect in MUTATIONS:
        for k in positions(N):
            total += 1
            detected += not check_against_head(mutate(original, k), N, head).ok
    assert total > 600
    assert detected == total


def test_a_head_vouches_only_for_entries_up_to_it() -> None:
    # A rewrite after the kept head is not caught by that head; the next minutes'
    # head is. The verification must not claim more than the head proves.
    original = build_chain()
    rewritten = reseal_from(edit(30, payload={"late": True})(original), 30)
    assert check_against_head(rewritten, 20, original[19].hash).ok
    late = check_against_head(rewritten, N, original[-1].hash)
    assert (late.reason_code, late.first_broken_seq) == (REWRITTEN, N)


def test_several_kept_heads_name_the_earliest_difference() -> None:
    original = build_chain()
    rewritten = reseal_from(edit(12, payload={"x": 1})(original), 12)
    heads = [Head(c, original[c - 1].hash) for c in (10, 20, 30, N)]
    result = check_against_heads(rewritten, heads)
    assert (result.reason_code, result.first_broken_seq) == (REWRITTEN, 20)
    assert result.kept == heads[1]


def test_truncation_names_the_first_missing_entry() -> None:
    original = build_chain()
    result = check_against_head(original[:25], N, original[-1].hash)
    assert (result.ok, result.reason_code, result.first_broken_seq) == (False, TRUNCATED, 26)
    assert result.count == 25


def test_canonical_form_is_pinned() -> None:
    # Verifiers outside Balise depend on these exact bytes; the hash below was also
    # computed with `printf … | sha256sum`, independently of Python.
    entry = ChainEntry(seq=1, at="2026-11-23T09:00:00", establishment_id=1, actor_user_id=7,
                       action="committee.proposal.adopted", subject="proposal:12",
                       payload={"votes": [1, 2], "note": "Équipe T1 — accord"},
                       prev_hash=GENESIS, hash="")
    assert canonical(entry) == (
        '{"action":"committee.proposal.adopted","actor_user_id":7,"at":"2026-11-23T09:00:00",'
        '"establishment_id":1,"payload":{"note":"Équipe T1 — accord","votes":[1,2]},'
        f'"prev_hash":"{GENESIS}","seq":1,"subject":"proposal:12"}}').encode()
    assert entry_hash(entry) == "b456af09c86491ccc3f4bf39680a617bbd9dcf7abd55d6312cd26e57655d1e4b"


@pytest.mark.parametrize(("payload", "stored"), [
    ({"b": 1, "a": "é"}, '{"a":"é","b":1}'),                       # sorted, UTF-8 kept
    ({"day": date(2026, 11, 23)}, '{"day":"2026-11-23"}'),          # dates become text
    ({"at": datetime(2026, 11, 23, 9, 5, 7, 12)}, '{"at":"2026-11-23T09:05:07"}'),
    ({"quantile": Decimal("0.80")}, '{"quantile":"0.80"}'),         # decimals keep their digits
    ({"list": (1, None, True)}, '{"list":[1,null,true]}'),
])
def test_payload_is_stored_canonical(payload: dict[str, object], stored: str) -> None:
    assert canonical_payload(payload) == stored


@pytest.mark.parametrize("payload", [
    {"quantile": 0.8},           # floats print differently across languages
    {"bad": "\ud800"},           # a lone surrogate has no UTF-8 form
    {"nested": {1: "x"}},        # JSON keys are strings
    {"obj": object()},           # not JSON at all
])
def test_payload_that_would_not_hash_stably_is_refused(payload: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        canonical_payload(payload)


def test_head_reads_back_as_printed() -> None:
    head = Head(120, "ab" * 32)
    assert parse_head(str(head)) == head
    assert parse_head(f" 120:{'AB' * 32} ") == head


@pytest.mark.parametrize("text", ["", "120", f"x:{'a' * 64}", "12:abc", f"-1:{'a' * 64}",
                                  f"²:{'a' * 64}"])
def test_malformed_head_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_head(text)


def test_malformed_head_says_how_to_write_one() -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_head("120:abc")
    with language("fr"):
        assert "NOMBRE:EMPREINTE" in raised.value.message() and "120:abc" in str(raised.value)
    with language("en"):
        assert "COUNT:HASH" in raised.value.message()


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("tamper", [
    lambda c: edit(4, payload={})(c),          # content
    lambda c: [*c[:4], *c[5:]],                # sequence
    lambda c: edit(4, prev_hash="0" * 64)(c),  # link
])
def test_message_names_the_broken_entry(lang: str, tamper: Callable[[Chain], Chain]) -> None:
    with language(lang):
        message = verify_entries(tamper(build_chain())).message()
    assert " 5 " in message


def test_messages_for_heads_in_both_languages() -> None:
    original = build_chain()
    cut = check_against_head(original[:7], N, original[-1].hash)
    rewritten = check_against_head(reseal_from(edit(0, payload={})(original), 0), N,
                                   original[-1].hash)
    with language("fr"):
        assert "40" in cut.message() and "7" in cut.message()
        assert f"40:{original[-1].hash}" in rewritten.message()
        assert "intact" in verify_entries(original).message()
    with language("en"):
        assert "removed from the end" in cut.message()
        assert "rewritten" in rewritten.message()


@pytest.mark.parametrize("msgid", sorted([*MESSAGES.values(), HEAD_FORMAT]))
def test_every_verification_message_is_translated(msgid: str) -> None:
    assert catalog("fr").get(msgid, msgid) != msgid
    assert catalog("en").get(msgid) == msgid
    assert INTACT in MESSAGES
