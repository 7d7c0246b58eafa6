"""PostgreSQL COPY text format (pure): the one escaping rule every bulk writer uses."""

from __future__ import annotations

from collections.abc import Sequence

# Backslash first, then the characters that end a value or a row.
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
NULL = "\\N"


def copy_text_line(values: Sequence[str]) -> str:
    """One COPY row from values already turned into text; NULL markers pass unescaped."""
    return "\t".join(value if value == NULL else value.translate(COPY_ESCAPES) for value in values)
