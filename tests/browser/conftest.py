"""Browser fixtures: Debian's Chromium driven by Playwright against the e2e `stack` (python -m devstack).

Never `playwright install`: the browser is the system's /usr/bin/chromium (`.ci/run` installs it when missing).
Each test gets a `shots` recorder: every step's screenshots of every open page are kept in memory and written to
`build/test-output/browser/<test>/` when the test fails (with the pages' console errors), nothing otherwise
(set YUNTONG_BROWSER_SHOTS=1 to keep them for passing tests too, e.g. to look at the pages).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import stack  # noqa: F401  (the same launcher as the e2e tests)

CHROMIUM = os.environ.get("YUNTONG_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OUTPUT = Path(__file__).resolve().parents[2] / "build" / "test-output" / "browser"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


# Module scope: Playwright's sync API keeps an event loop running in the main thread while it is open, so a later
# test module that calls asyncio.run() (e.g. the queue poller's tests) would fail if it stayed open all session.
@pytest.fixture(scope="module")
def browser(stack: Any) -> Iterator[Any]:  # noqa: F811 — after the stack, so it closes (and its sockets) first
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@dataclass
class Page:
    """One browser context (one person) with one page, and what its console said."""

    name: str
    page: Any
    errors: list[str] = field(default_factory=list)


@dataclass
class Shots:
    pages: list[Page] = field(default_factory=list)
    steps: list[tuple[str, str, bytes]] = field(default_factory=list)

    def step(self, label: str) -> None:
        for p in self.pages:
            try:
                self.steps.append((label, p.name, p.page.screenshot(full_page=True)))
            except Exception as exc:  # noqa: BLE001 — a closed page must not hide the test's own failure
                self.steps.append((label, p.name, f"no screenshot: {exc}".encode()))

    def save(self, folder: Path) -> None:
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        for i, (label, who, png) in enumerate(self.steps, 1):
            slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
            suffix = "png" if png.startswith(b"\x89PNG") else "txt"
            (folder / f"{i:02d}-{who}-{slug}.{suffix}").write_bytes(png)
        lines = [f"{p.name}: {e}" for p in self.pages for e in p.errors]
        (folder / "console-errors.txt").write_text("\n".join(lines) + "\n")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.stash[_FAILED] = report.failed


_FAILED = pytest.StashKey[bool]()


def _keep(request: pytest.FixtureRequest) -> bool:
    return request.node.stash.get(_FAILED, True) or bool(os.environ.get("YUNTONG_BROWSER_SHOTS"))


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Iterator[Shots]:
    recorder = Shots()
    yield recorder
    if _keep(request):
        folder = OUTPUT / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
        recorder.save(folder)
        print(f"\nbrowser screenshots: {folder}")


@pytest.fixture
def open_page(request: pytest.FixtureRequest, browser: Any, stack: Any, shots: Shots) -> Iterator[Any]:  # noqa: F811
    """`open_page(name, viewport)`: a fresh context (its own storage: another person) on the stack's web app."""
    contexts: list[Any] = []

    def opener(name: str, viewport: dict[str, int] = DESKTOP) -> Page:
        context = browser.new_context(viewport=viewport)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        opened = Page(name, page)
        page.on("console", lambda m: opened.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: opened.errors.append(f"uncaught: {e}"))
        page.goto(f"http://127.0.0.1:{stack.http_port}/")
        shots.pages.append(opened)
        return opened

    yield opener
    if _keep(request):  # the pages as they were when the test ended, before their contexts close
        shots.step("at failure" if request.node.stash.get(_FAILED, True) else "at the end")
    for context in contexts:
        context.close()
