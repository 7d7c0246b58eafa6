"""The accessibility check every journey runs in `snap` finds what it claims to find."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import accessibility_problems

pytestmark = [pytest.mark.slow]

GOOD = """<!doctype html><html lang="en"><body>
<nav aria-label="Main"><a href="/">Home</a></nav>
<main><h1>Title</h1>
<form><label for="q">Search</label><input id="q" name="q">
<label>Kind <select name="k"><option>a</option></select></label>
<textarea aria-label="Note"></textarea><span id="t">Date</span><input aria-labelledby="t">
<input type="hidden" name="x"><button type="submit">Go</button></form>
<img src="data:," alt="">
<div class="chart" data-plotly-figure="f" aria-describedby="f-table"></div>
<table id="f-table"><tr><td>2024</td><td>3</td></tr></table>
</main></body></html>"""

BAD = """<!doctype html><html lang="en"><body>
<h1>One</h1><h1>Two</h1>
<form><input name="q"><select name="k"></select><textarea></textarea></form>
<img src="data:,">
<div class="chart" id="c1" data-plotly-figure="f"></div>
<div class="chart" id="c2" data-plotly-figure="g" aria-describedby="missing"></div>
</body></html>"""


def test_a_page_that_follows_the_rules_passes(browser):
    tab = browser.new_page()
    tab.set_content(GOOD)
    assert accessibility_problems(tab) == []
    tab.close()


def test_each_broken_rule_is_reported(browser):
    tab = browser.new_page()
    tab.set_content(BAD)
    problems = accessibility_problems(tab)
    tab.close()
    assert "2 h1 headings, not exactly one" in problems
    assert "no <main> landmark" in problems and "no <nav> landmark" in problems
    assert sum(p.startswith("form control without a label") for p in problems) == 3
    assert sum(p.startswith("image without alt text") for p in problems) == 1
    assert "chart without a text alternative (aria-describedby): #c1" in problems
    assert "chart without a text alternative (aria-describedby): #c2" in problems
