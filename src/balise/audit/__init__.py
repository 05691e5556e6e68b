"""Traceability of reads: who looked at one person's data, when, and through which route."""
