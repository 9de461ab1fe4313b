"""The two-sided scorecard: metrics and contributions per party, balance, the sponsor digest, reviews, export."""

from __future__ import annotations
