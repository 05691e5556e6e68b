"""The field app's sync: idempotent batches of visit records from workers' phones."""
