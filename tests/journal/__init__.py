"""The tamper-evident journal: chain, service, standalone verifier."""
