"""Persistence for the alliance bot: tables, sessions, migrations and repository functions."""
