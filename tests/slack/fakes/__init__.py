"""Slack's Web API, faked over real HTTP."""
