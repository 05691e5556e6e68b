"""The append-only, hash-chained journal both sides of a committee can verify.

Capabilities write with :func:`balise.journal.service.append` inside the service
function that makes the change; :mod:`balise.journal.actions` tells each entry in
French or English; :mod:`balise.journal.chain` holds the verification, which
``tools/verify_journal.py`` repeats with the standard library alone.
"""
