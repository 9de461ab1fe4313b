"""Block Kit builders, one module per feature: pure functions from core outcomes and texts to Slack's JSON.

`base` holds the Block type, Slack's limits and text as sections, and imports no feature; `answers` is the
switchboard that hands any outcome or scheduled message to its feature, and no feature imports it. Import the
module you need; nothing is re-exported.
"""
