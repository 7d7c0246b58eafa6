"""PostgreSQL COPY text format (pure): the one escaping rule every bulk writer uses."""

from __future__ import annotations

import re
from collections.abc import Sequence

# Backslash first, then the characters that end a value or a row.
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
NULL = "\\N"
_NEEDS_ESCAPE = re.compile(r"[\\\t\n\r]")
_NEEDS_ESCAPE_OR_NUL = re.compile(r"[\\\t\n\r\x00]")


def copy_escape(text: str) -> str:
    """`text` as a COPY text value; most values need no escaping, found in one scan."""
    return text.translate(COPY_ESCAPES) if _NEEDS_ESCAPE.search(text) else text


def copy_escape_refusing_nul(text: str) -> str:
    """copy_escape for a value that must reach a text column whole: PostgreSQL text
    cannot hold NUL, so a value with one is refused (ValueError); one scan for both."""
    if _NEEDS_ESCAPE_OR_NUL.search(text) is None:
        return text
    if "\x00" in text:
        raise ValueError("PostgreSQL text cannot hold a NUL character")
    return text.translate(COPY_ESCAPES)


def copy_text_line(values: Sequence[str]) -> str:
    """One COPY row from values already turned into text; NULL markers pass unescaped."""
    return "\t".join(value if value == NULL else copy_escape(value) for value in values)
