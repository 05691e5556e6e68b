"""tools/verify_journal.py: what a committee member runs on an export, without Balise.

It is run as a member would (a subprocess, nothing but the file and the standard
library) and compared, verdict for verdict, with balise.journal.chain over the whole
mutation suite, since the two must never disagree.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib.util
import json
import random
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy.orm import Session

from balise.journal import service
from balise.journal.chain import (
    FORMAT,
    GENESIS,
    ChainEntry,
    Head,
    entry_hash,
    entry_to_export,
    verify_export,
)

from .test_chain import MUTATIONS, N, build_chain

TOOL = Path(__file__).resolve().parents[2] / "tools" / "verify_journal.py"


@pytest.fixture(scope="module")
def tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("verify_journal", TOOL)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def as_export(entries: list[ChainEntry], head: Head | None = None) -> dict[str, Any]:
    last = entries[-1].hash if entries else GENESIS
    head = head or Head(len(entries), last)
    return {"format": FORMAT, "exported_at": "2026-11-23T10:00:00",
            "head": {"count": head.count, "hash": head.hash},
            "entries": [entry_to_export(e) for e in entries]}


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    # -I: isolated mode, so nothing of Balise's environment can help the tool.
    return subprocess.run([sys.executable, "-I", str(TOOL), *map(str, args)],
                          capture_output=True, text=True, timeout=60)


def write(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def test_tool_uses_the_standard_library_only() -> None:
    source = TOOL.read_text(encoding="utf-8")
    imports = {line.split()[1].split(".")[0] for line in source.splitlines()
               if line.startswith(("import ", "from "))}
    assert imports <= set(sys.stdlib_module_names)
    assert len(source.splitlines()) <= 200
    ast.parse(source, feature_version=(3, 9))  # the oldest Python the docs promise


def test_export_from_the_database_verifies(session: Session, tmp_path: Path) -> None:
    for i in range(1, 6):
        service.append(session, action="committee.proposal.filed", subject=f"proposal:{i}",
                       payload={"titre": "Réorganisation des tournées — été"})
    session.commit()
    path = write(tmp_path / "journal.json", service.export(session))
    head = service.head(session)
    done = run(path, "--head", str(head))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("OK ")
    assert f"Entrées : 5. Tête : {head}" in done.stdout


def test_tampered_export_is_broken_and_names_the_entry(tmp_path: Path) -> None:
    data = as_export(build_chain())
    data["entries"][16]["payload"]["minutes"] = 5
    done = run(write(tmp_path / "journal.json", data))
    assert done.returncode == 1
    assert done.stdout.startswith("BROKEN ") and "L'entrée 17 " in done.stdout
    assert "Entry 17 " in run(tmp_path / "journal.json", "--lang", "en").stdout


def test_cut_export_is_caught_by_a_kept_head(tmp_path: Path) -> None:
    chain = build_chain()
    # Cut consistently, head field included, so only the member's own head tells.
    cut = write(tmp_path / "cut.json", as_export(chain[:30]))
    assert run(cut).returncode == 0
    done = run(cut, "--head", f"{N}:{chain[-1].hash}", "--lang", "en")
    assert done.returncode == 1 and "removed from the end" in done.stdout


def test_export_cut_below_its_own_head_is_broken(tmp_path: Path) -> None:
    chain = build_chain()
    done = run(write(tmp_path / "j.json", as_export(chain[:30], Head(N, chain[-1].hash))))
    assert done.returncode == 1


def test_kept_export_is_checked_against_the_live_one(tmp_path: Path) -> None:
    chain = build_chain()
    kept = write(tmp_path / "kept.json", as_export(chain[:20]))
    assert run(write(tmp_path / "live.json", as_export(chain)), "--kept", kept).returncode == 0
    forged = [*chain[:5], *chain[5:]]
    forged[5] = dataclasses.replace(forged[5], payload={"rewritten": True})
    prev = forged[4].hash
    for i in range(5, N):  # the whole chain recomputed after the edit
        linked = dataclasses.replace(forged[i], prev_hash=prev, hash="")
        forged[i] = dataclasses.replace(linked, hash=entry_hash(linked))
        prev = forged[i].hash
    done = run(write(tmp_path / "forged.json", as_export(forged)), "--kept", kept)
    assert done.returncode == 1 and "L'entrée 20 " in done.stdout


@pytest.mark.parametrize("content", [
    "not json",
    json.dumps({"format": "other", "entries": [], "head": {}}),
    json.dumps({"format": FORMAT, "entries": []}),
])
def test_a_file_that_is_not_an_export_is_an_error_of_use(tmp_path: Path, content: str) -> None:
    path = tmp_path / "x.json"
    path.write_text(content, encoding="utf-8")
    done = run(path)
    assert done.returncode == 2 and "n'est pas un export" in done.stderr


def test_malformed_head_argument_is_an_error_of_use(tmp_path: Path) -> None:
    done = run(write(tmp_path / "j.json", as_export(build_chain(3))), "--head", "12")
    assert done.returncode == 2


def test_hashes_agree_with_chain(tool: ModuleType) -> None:
    rng = random.Random(7)
    alphabet = "aéÉçÇ«»—’ 🙂\u00a0\\\"\n{}:,0123456789"
    for seq in range(1, 300):
        payload = {"".join(rng.choices(alphabet, k=4)): [rng.randint(-10**12, 10**12),
                   None, True, "".join(rng.choices(alphabet, k=rng.randint(0, 20)))]
                   for _ in range(rng.randint(0, 4))}
        entry = ChainEntry(seq=seq, at="2026-11-23T09:00:00",
                           establishment_id=rng.choice([None, 1, 42]),
                           actor_user_id=rng.choice([None, 7]), action="a.b.c",
                           subject="".join(rng.choices(alphabet, k=8)), payload=payload,
                           prev_hash=f"{rng.getrandbits(256):064x}", hash="")
        assert tool.entry_hash(entry_to_export(entry)) == entry_hash(entry)


def verdicts_of_tool(tool: ModuleType, data: dict[str, Any], kept: list[Head]) -> tuple[Any, ...]:
    entries, own_head = tool.unpack(data)
    reason, seq, _found, _kept, count, last = tool.check(
        entries, [own_head, *((head.count, head.hash) for head in kept)])
    return reason, seq, count, last


@pytest.mark.parametrize("with_head", [False, True])
def test_verdicts_agree_with_chain_over_the_mutation_suite(
    tool: ModuleType, with_head: bool
) -> None:
    original = build_chain()
    kept = [Head(N, original[-1].hash)] if with_head else []
    compared = 0
    for name, positions, mutate, _expect in MUTATIONS:
        for k in positions(N):
            data = as_export(mutate(original, k))
            ours = verify_export(data, kept)
            theirs = verdicts_of_tool(tool, data, kept)
            assert theirs == (ours.reason_code, ours.first_broken_seq, ours.count,
                              ours.head_hash), f"{name} at {k + 1}"
            compared += 1
    assert compared > 600


@pytest.mark.parametrize("damage", [
    lambda rows: rows[3].pop("subject"),             # a field removed
    lambda rows: rows[3].update(note="ajouté"),      # a field added
    lambda rows: rows.__setitem__(3, ["not", "a", "dict"]),
    lambda rows: rows[3].update(seq="4"),            # a number turned into text
    lambda rows: rows[3].update(seq=True),           # JSON true is not 1
])
def test_damaged_entries_get_the_same_verdict(tool: ModuleType, damage: Any) -> None:
    data = as_export(build_chain(10))
    damage(data["entries"])
    ours = verify_export(data)
    assert not ours.ok and ours.first_broken_seq == 4
    assert verdicts_of_tool(tool, data, [])[:2] == (ours.reason_code, 4)
