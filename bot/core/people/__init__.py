"""People: roles, the roster, absences, handovers, linked party channels, and who comes and goes."""

from __future__ import annotations
