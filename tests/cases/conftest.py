"""Fixtures of the case tests: the hand-made case of tests/cases/story.py."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cases.story import Story, build_story


@pytest.fixture
def story(agency_a: Any, agency_b: Any, owner: Any, outsider: Any) -> Story:
    return build_story(agency_a, agency_b, owner, outsider)
