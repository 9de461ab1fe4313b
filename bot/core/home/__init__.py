"""A person's own page across all their alliances (the Slack Home tab, `mine` in a Teams personal chat)."""
