#!/usr/bin/env python3
"""Check a Balise journal export on your own computer, without Balise.

Vérifie un export du journal de Balise sur votre propre ordinateur, sans Balise.

    python3 verify_journal.py journal.json
    python3 verify_journal.py journal.json --head 120:3f5a…   (a head you kept / une tête conservée)
    python3 verify_journal.py journal.json --kept old.json    (an earlier export / un export antérieur)

Needs Python 3.9 or later and nothing else. Exit status: 0 intact, 1 broken, 2 the
file is not a journal export. See docs/journal.md.

Every entry's hash is the SHA-256 of the canonical JSON (sorted keys, no spaces, UTF-8)
of its nine fields less ``hash``; ``prev_hash`` of entry 1 is 64 zeros. This file
repeats src/balise/journal/chain.py on purpose, so that checking Balise does not mean
trusting Balise's code; a test keeps the two in agreement.
"""

import argparse
import hashlib
import json
import re
import sys

FORMAT = "balise-journal/1"
GENESIS = "0" * 64
FIELDS = ("seq", "at", "establishment_id", "actor_user_id", "action", "subject",
          "payload", "prev_hash", "hash")

TEXT = {
    "fr": {
        "intact": "Le journal est intact. Entrées : {count}. Tête : {head}.",
        "sequence": "L'entrée {seq} manque ou n'est pas à sa place : l'entrée numéro {found} "
                    "se trouve là où devrait être l'entrée {seq}. Des entrées ont été "
                    "supprimées, insérées ou déplacées.",
        "link": "L'entrée {seq} n'est pas liée à l'entrée qui la précède : celle-ci a été "
                "modifiée, supprimée ou insérée, ou ce lien a été altéré.",
        "content": "L'entrée {seq} a été modifiée après son inscription : son contenu ne "
                   "correspond plus à son empreinte.",
        "truncated": "Entrées dans le journal : {count}; dans la tête que vous avez "
                     "conservée : {kept_count}. Des entrées ont été retirées à la fin du journal.",
        "rewritten": "L'entrée {seq} ne correspond pas à la tête que vous avez conservée "
                     "({kept}) : le journal a été réécrit à cette entrée ou avant.",
        "unusable": "Ce fichier n'est pas un export du journal de Balise : {why}",
    },
    "en": {
        "intact": "The journal is intact. Entries: {count}. Head: {head}.",
        "sequence": "Entry {seq} is missing or out of place: entry number {found} stands "
                    "where entry {seq} should be. Entries were removed, inserted or reordered.",
        "link": "Entry {seq} is not linked to the entry before it: that entry was changed, "
                "removed or inserted, or this link was altered.",
        "content": "Entry {seq} was changed after it was written: its content no longer "
                   "matches its hash.",
        "truncated": "Entries in the journal: {count}; in the head you kept: {kept_count}. "
                     "Entries were removed from the end of the journal.",
        "rewritten": "Entry {seq} differs from the head you kept ({kept}): the journal was "
                     "rewritten at that entry or before it.",
        "unusable": "This file is not a Balise journal export: {why}",
    },
}


class Unusable(Exception):
    pass


def entry_hash(entry):
    document = {name: entry.get(name) for name in FIELDS if name != "hash"}
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def parse_head(text):
    count, _, digest = text.strip().partition(":")
    digest = digest.lower()
    if not re.fullmatch(r"[0-9]+", count) or not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise Unusable(f"a head reads COUNT:HASH (64 hex digits), not {text!r}")
    return int(count), digest


def load(path):
    try:
        with (sys.stdin if path == "-" else open(path, encoding="utf-8")) as handle:
            return unpack(json.load(handle))
    except (OSError, ValueError) as exc:
        raise Unusable(str(exc)) from exc


def unpack(data):
    """The entries and the export's own head, from the parsed file."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise Unusable(f"format is not {FORMAT}")
    if not isinstance(data.get("entries"), list) or not isinstance(data.get("head"), dict):
        raise Unusable("no list of entries or no head")
    head = parse_head(f"{data['head'].get('count')}:{data['head'].get('hash')}")
    entries = []
    for row in data["entries"]:
        row = row if isinstance(row, dict) else {}
        # An entry with a field missing or added is broken, not an error of use.
        entries.append(row if set(row) == set(FIELDS) else dict(row, hash=""))
    return entries, head


def check(entries, kept):
    """Return (reason, seq, found, kept head, count, head hash), as chain.py does."""
    wanted = dict(kept)
    broken = None
    prev, count = GENESIS, 0
    if 0 in wanted and wanted[0] != GENESIS:
        broken = ("rewritten", 1, None, (0, wanted[0]))
    for entry in entries:
        count += 1
        if broken is None:
            if entry.get("seq") != count:
                broken = ("sequence", count, entry.get("seq"), None)
            elif entry.get("prev_hash") != prev:
                broken = ("link", count, None, None)
            elif entry.get("hash") != entry_hash(entry):
                broken = ("content", count, None, None)
            elif count in wanted and wanted[count] != entry.get("hash"):
                broken = ("rewritten", count, None, (count, wanted[count]))
        prev = entry.get("hash")
    if broken is None:
        beyond = sorted(c for c in wanted if c > count)
        if beyond:
            broken = ("truncated", count + 1, None, (beyond[0], wanted[beyond[0]]))
    if broken is None:
        return ("intact", None, None, None, count, prev)
    return (*broken, count, prev)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("export", help="journal export (JSON), or - for standard input")
    parser.add_argument("--head", action="append", default=[], metavar="COUNT:HASH",
                        help="a head you kept (minutes, earlier export); may repeat")
    parser.add_argument("--kept", action="append", default=[], metavar="FILE",
                        help="an earlier export you kept: checked, then its head is used")
    parser.add_argument("--lang", choices=("fr", "en"), default="fr")
    args = parser.parse_args(argv)
    text = TEXT[args.lang]
    try:
        kept = [parse_head(head) for head in args.head]
        for path in args.kept:
            old_entries, old_head = load(path)
            result = check(old_entries, [old_head])
            if result[0] != "intact":
                print(f"BROKEN {path}: " + say(text, result))
                return 1
            kept.append(old_head)
        entries, own_head = load(args.export)
    except Unusable as exc:
        print(text["unusable"].format(why=exc), file=sys.stderr)
        return 2
    # The export's own head catches a file cut short or altered up to its head.
    result = check(entries, [own_head, *kept])
    print(("OK " if result[0] == "intact" else "BROKEN ") + say(text, result))
    return 0 if result[0] == "intact" else 1


def say(text, result):
    reason, seq, found, kept, count, head = result
    return text[reason].format(
        seq=seq, found=found, count=count, head=f"{count}:{head}",
        kept=f"{kept[0]}:{kept[1]}" if kept else None, kept_count=kept[0] if kept else None)


if __name__ == "__main__":
    sys.exit(main())
