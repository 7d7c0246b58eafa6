"""Chromium through Playwright against the portal served by a live server in the tests.

On every page a journey visits: no console error, no failed request, no
request to any host but the portal's, and a screenshot saved under
test-output/screenshots for review.

Accessibility is checked in the same one place, `snap`, so every page a journey
visits or reaches by a click is checked when its screenshot is taken
(`accessibility_problems` lists what the page fails). The `page` fixture
records every document the tab loads and fails the test if one was never
snapped, so no page escapes the check. The rules:

- exactly one h1, a <main> landmark and a <nav> landmark;
- every visible form control (input other than hidden/submit/button/reset/image,
  select, textarea) has an accessible label: a label[for], a wrapping label,
  aria-label or aria-labelledby;
- every image has an alt attribute (empty for a decorative one);
- every chart (`div.chart[data-plotly-figure]`, drawn by static/js/portal.js)
  has a text alternative, by ONE convention: the chart's `aria-describedby`
  names the id of one or more elements on the page holding the same figures
  as text (a table, a list, or a <details> or paragraph summary), each of
  which exists and is not empty. A screen reader reads them with the chart;
  the tables stay where sighted readers expect them.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the
# tests make between browser steps are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    if shutil.which(CHROMIUM) or Path(CHROMIUM).exists():
        return
    if os.environ.get("CI"):
        return  # in CI a missing browser must fail the journeys, not skip them
    skip = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    for item in items:
        if "e2e" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class PageWatch:
    """What the browser saw go wrong on a page."""

    allowed_host: str
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    # Documents loaded in the tab, and those `snap` checked: a journey must snap
    # every page it reaches, so that every page is checked for accessibility.
    loaded: list[str] = field(default_factory=list)
    checked: set[str] = field(default_factory=set)

    def problems(self) -> list[str]:
        return [
            *(f"console error: {text}" for text in self.console_errors),
            *(f"failed request: {url}" for url in self.failed_requests),
            *(f"request to another host: {url}" for url in self.foreign_requests),
            *(
                f"page loaded but never checked (snap it): {url}"
                for url in dict.fromkeys(self.loaded)
                if url not in self.checked
            ),
        ]


@pytest.fixture
def page(browser: Any, live_server: Any, request: Any) -> Iterator[Any]:
    host = urlparse(live_server.url).netloc
    context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    tab = context.new_page()
    watch = PageWatch(allowed_host=host)

    def on_request(req: Any) -> None:
        parsed = urlparse(req.url)
        if parsed.scheme in ("http", "https", "ws", "wss") and parsed.netloc != host:
            watch.foreign_requests.append(req.url)

    def on_response(resp: Any) -> None:
        if resp.status >= 400:
            watch.failed_requests.append(f"{resp.status} {resp.url}")

    def on_console(msg: Any) -> None:
        if msg.type == "error":
            watch.console_errors.append(msg.text)

    tab.on("console", on_console)
    tab.on("pageerror", lambda exc: watch.console_errors.append(str(exc)))
    tab.on("request", on_request)

    def on_failed(req: Any) -> None:
        # A background poll still in flight when the page navigates or the context closes
        # is aborted by the browser; the server did not fail it.
        if req.failure == "net::ERR_ABORTED" and req.resource_type in ("fetch", "xhr"):
            return
        watch.failed_requests.append(f"failed {req.url}")

    tab.on("requestfailed", on_failed)
    tab.on("response", on_response)
    tab.on("load", lambda loaded: watch.loaded.append(loaded.url))
    tab.portal_watch = watch
    tab.portal_base = live_server.url
    tab.portal_shots = OUTPUT / re.sub(r"[^A-Za-z0-9_.-]", "_", request.node.name)
    tab.portal_shot_count = 0
    yield tab
    context.close()
    problems = watch.problems()
    assert not problems, "\n".join(problems)


def visit(page: Any, path: str) -> Any:
    """Open a portal page, wait for it to settle, check it and take its screenshot."""
    response = page.goto(page.portal_base + path)
    page.wait_for_load_state("networkidle")
    snap(page, path)
    return response


ACCESSIBILITY_SCRIPT = """() => {
  const problems = [];
  const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  const texted = (id) => {
    const target = id && document.getElementById(id);
    return !!(target && target.textContent.trim());
  };
  const h1 = document.querySelectorAll("h1").length;
  if (h1 !== 1) problems.push(`${h1} h1 headings, not exactly one`);
  if (!document.querySelector("main, [role=main]")) problems.push("no <main> landmark");
  if (!document.querySelector("nav, [role=navigation]")) problems.push("no <nav> landmark");
  const skip = new Set(["hidden", "submit", "button", "reset", "image"]);
  document.querySelectorAll("input, select, textarea").forEach((el) => {
    if (el.tagName === "INPUT" && skip.has((el.type || "").toLowerCase())) return;
    if (!visible(el)) return;
    const labelled = (el.labels && Array.from(el.labels).some((l) => l.textContent.trim()))
      || (el.getAttribute("aria-label") || "").trim()
      || (el.getAttribute("aria-labelledby") || "").split(/\\s+/).some(texted);
    if (!labelled) problems.push(`form control without a label: ${el.outerHTML.slice(0, 160)}`);
  });
  document.querySelectorAll("img:not([alt])").forEach((el) => {
    problems.push(`image without alt text: ${el.outerHTML.slice(0, 160)}`);
  });
  document.querySelectorAll("div.chart[data-plotly-figure]").forEach((el) => {
    const ids = (el.getAttribute("aria-describedby") || "").split(/\\s+/).filter(Boolean);
    if (!ids.length || !ids.every(texted)) {
      problems.push(`chart without a text alternative (aria-describedby): #${el.id}`);
    }
  });
  return problems;
}"""


def accessibility_problems(page: Any) -> list[str]:
    """What the page in the tab fails of the accessibility rules above."""
    return list(page.evaluate(ACCESSIBILITY_SCRIPT))


def snap(page: Any, label: str) -> Path:
    """Save the page's screenshot for review, then check its accessibility."""
    page.portal_shots.mkdir(parents=True, exist_ok=True)
    page.portal_shot_count += 1
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", label.strip("/")) or "home"
    target = page.portal_shots / f"{page.portal_shot_count:02d}-{name}.png"
    page.screenshot(path=str(target), full_page=True)
    problems = accessibility_problems(page)
    assert not problems, f"{page.url}:\n" + "\n".join(problems)
    page.portal_watch.checked.add(page.url)
    return target


def sign_in(page: Any, username: str, password: str) -> None:
    """Sign in through both steps: the notice and password, then the TOTP code.

    A user without an authenticator enrols on the way, with the secret the page
    shows (as a person would type it into an app); otherwise the code comes from
    the user's device.
    """
    visit(page, "/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_label("I have read the notice").check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state("networkidle")
    if "/login/otp/" not in page.url:
        snap(page, "after-sign-in")
        return  # refused at the password step
    snap(page, "second-factor")
    page.get_by_label("Six-digit code").fill(current_code(page, username))
    page.get_by_role("button", name=re.compile(r"sign in$", re.IGNORECASE)).click()
    page.wait_for_load_state("networkidle")
    snap(page, "after-sign-in")


def current_code(page: Any, username: str) -> str:
    import base64
    import time

    from django_otp.oath import TOTP

    from portal.models import User
    from tests.conftest import totp_code

    secret = page.locator("code.secret")
    if secret.count():
        text = secret.inner_text().strip()
        totp = TOTP(base64.b32decode(text + "=" * (-len(text) % 8)))
        totp.time = time.time()
        return f"{totp.token():06d}"
    return totp_code(User.objects.get(username=username))
