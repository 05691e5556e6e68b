"""Users, roles, sessions and login."""
