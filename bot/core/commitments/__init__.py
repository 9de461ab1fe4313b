"""Commitments: who promised what, for which party, by when; who owns what; closing, moving, dropping."""

from __future__ import annotations
