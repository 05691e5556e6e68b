"""What committees read and send: PDF minutes (and, later, indicator reports and exports)."""
