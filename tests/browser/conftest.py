"""Headless Chromium (Debian's chromium package) driven by Playwright against a live server.

The browser is never downloaded: Playwright is pointed at /usr/bin/chromium (`.ci/run`
installs it with apt). Screenshots of every page go to test-output/browser/ (or
$RECTIFY_TEST_OUTPUT/browser/), one folder per test.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.fixtures.notify import free_port
from tests.fixtures.web import PASSWORD, WebWorld
from web.app import create_app

CHROMIUM = Path(os.environ.get("RECTIFY_CHROMIUM", "/usr/bin/chromium"))
OUTPUT = Path(os.environ.get("RECTIFY_TEST_OUTPUT", ROOT / "test-output")) / "browser"


# Module scope, not session: while Playwright's sync API runs, the main thread looks like it
# is inside an event loop, and libraries that pick sync or async by that (Prefect) misbehave
# in the tests that follow.
@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip(f"未找到 Chromium({CHROMIUM}):apt-get install chromium 后运行浏览器测试")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
        chromium = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        yield chromium
        chromium.close()


@dataclass
class LiveSite:
    world: WebWorld
    base_url: str
    browser: object
    shots: Path
    _count: int = 0
    _contexts: list[object] = field(default_factory=list)

    def page(self, *, width: int = 1280, height: int = 900):  # -> playwright Page
        context = self.browser.new_context(  # type: ignore[attr-defined]
            viewport={"width": width, "height": height}, locale="zh-CN"
        )
        self._contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    def shot(self, page, name: str) -> Path:
        self._count += 1
        path = self.shots / f"{self._count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    def login(self, page, name: str, password: str = PASSWORD) -> None:
        page.fill("#username", name)
        page.fill("#password", password)
        page.click("button:has-text('登录')")


def _safe(name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", name)[:120]


@pytest.fixture
def live_site(
    web_world: WebWorld, browser: object, request: pytest.FixtureRequest
) -> Iterator[LiveSite]:
    import uvicorn

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(web_world.config), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "web server did not start"
        time.sleep(0.05)
    shots = OUTPUT / _safe(request.node.name)
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    site = LiveSite(web_world, f"http://127.0.0.1:{port}", browser, shots)
    try:
        yield site
    finally:
        for context in site._contexts:
            context.close()  # type: ignore[attr-defined]
        server.should_exit = True
        thread.join(timeout=10)
