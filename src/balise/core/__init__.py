"""What every capability shares: settings, database, i18n, errors, access rules."""
