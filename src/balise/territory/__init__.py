"""Establishments, sites, teams, workers, clients and their care plans."""
