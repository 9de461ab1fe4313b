"""The charter: goals, timeframe, roles, cadence and dispute steps both leads sign; decisions and disputes."""

from __future__ import annotations
