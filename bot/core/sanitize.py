"""Text as it enters the bot: control characters out, at the edge, before anything is parsed or stored.

A NUL byte cannot be stored in PostgreSQL text at all, and other control characters (ESC, backspace, bidi
overrides are not among them: those are format characters, not controls) only garble what is echoed back. Newlines
and tabs are kept: a note or a charter's text may have them.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, TypeVar

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_T = TypeVar("_T")


def clean(text: str) -> str:
    """`text` without control characters, newlines (\\n, \\r) and tabs kept."""
    return _CONTROL.sub("", text)


def cleaned(value: _T) -> _T:
    """A command (a frozen dataclass), a form's fields, a list or a string with every string in it cleaned."""
    result: Any
    if type(value) is str:  # not a StrEnum member: an enum's value is ours, not typed
        result = clean(str(value))
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: cleaned(getattr(value, f.name)) for f in dataclasses.fields(value)}
        result = dataclasses.replace(value, **changes)
    elif isinstance(value, dict):
        result = {cleaned(k): cleaned(v) for k, v in value.items()}
    elif isinstance(value, list | tuple):
        result = type(value)(cleaned(v) for v in value)
    else:
        result = value
    return result  # type: ignore[no-any-return]
