"""What a user sees on a page: its text without tags and scripts."""

from __future__ import annotations

import json
import re
from typing import Any


def page_text(response: Any) -> str:
    html = response.content.decode()
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def figure(response: Any, element_id: str) -> dict[str, Any]:
    """The plotly figure a page hands to portal.js in <script id=element_id>."""
    html = response.content.decode()
    match = re.search(
        rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S
    )
    assert match, f"no figure {element_id}"
    value = json.loads(match.group(1))
    return json.loads(value) if isinstance(value, str) else value
