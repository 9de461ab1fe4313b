"""Check-ins and nudges: the cadence, the status owners report, and reminders up the escalation ladder."""

from __future__ import annotations
