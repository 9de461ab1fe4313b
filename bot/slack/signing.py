"""Slack's request signatures (v0), checked without trusting a byte of the request.

https://api.slack.com/authentication/verifying-requests-from-slack: `X-Slack-Signature` is `v0=` and the hex
HMAC-SHA256 of `v0:{X-Slack-Request-Timestamp}:{raw body}` keyed with the signing secret; a timestamp more than
five minutes from now is refused as a possible replay. slack_sdk's verifier raises on a timestamp that is not a
number (`int("abc")`); this one answers False to anything it cannot check.
"""

from __future__ import annotations

import hashlib
import hmac
import time

WINDOW_SECONDS = 5 * 60
_MAX_TIMESTAMP_DIGITS = 12


def signature(secret: str, timestamp: int, body: bytes) -> str:
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def verified(secret: str, body: bytes, timestamp: str | None, given: str | None, *, now: float | None = None) -> bool:
    """True only for a well-formed, current timestamp and a signature that matches the body."""
    if not secret or not timestamp or not given:
        return False
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > _MAX_TIMESTAMP_DIGITS:
        return False
    at = int(timestamp)
    if abs((time.time() if now is None else now) - at) > WINDOW_SECONDS:
        return False
    if not given.isascii():
        return False
    return hmac.compare_digest(signature(secret, at, body), given)


def headers(secret: str, body: bytes, *, now: float | None = None) -> dict[str, str]:
    """Fresh signature headers for `body`, as Slack would send them now (the inbox re-signs what it replays)."""
    at = int(time.time() if now is None else now)
    return {"x-slack-request-timestamp": str(at), "x-slack-signature": signature(secret, at, body)}
