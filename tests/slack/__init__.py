"""Slack test doubles: a fake Web API server and signed request builders."""
