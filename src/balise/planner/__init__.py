"""Routing for home care: the planning model, its search, and benchmark readers."""
