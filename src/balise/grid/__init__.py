"""The planning and realization grid: acts, reference times, visits, waiting list."""
