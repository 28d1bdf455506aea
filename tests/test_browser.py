"""Open the built book in headless Chromium, as a reader would, and look at every page.

Needs Debian's ``chromium`` package (driven through Playwright). Without it the tests are
skipped, unless ``WORKSHOP_REQUIRE_BROWSER=1`` (set by CI), where a missing browser fails.
Full-page screenshots are saved to ``artifacts/screenshots/`` (or ``$WORKSHOP_ARTIFACTS_DIR``).
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest
import yaml

pytestmark = [pytest.mark.book, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser():
    executable = chromium_path()
    if executable is None:
        message = "Debian's chromium is not installed (apt-get install chromium)"
        if os.environ.get("WORKSHOP_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def site(built_book):
    """Serve the built HTML on 127.0.0.1 and return its base address."""
    assert built_book.process.returncode == 0, built_book.process.stderr[-3000:]
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(built_book.html)
    )
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def screenshots() -> Path:
    folder = Path(os.environ.get("WORKSHOP_ARTIFACTS_DIR", ROOT / "artifacts")) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def pages() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    names = [toc["root"]]
    for part in toc["parts"]:
        names += [chapter["file"] for chapter in part["chapters"]]
    return names


@pytest.mark.parametrize("page_name", pages())
def test_page_loads_with_every_image_and_no_script_error(browser, site, screenshots, page_name):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    failed: list[str] = []
    page.on(
        "requestfailed",
        lambda request: failed.append(request.url) if request.url.startswith(site) else None,
    )
    response = page.goto(f"{site}/{page_name}.html", wait_until="load")
    assert response is not None and response.ok
    page.wait_for_load_state("networkidle")
    broken = page.evaluate(
        "Array.from(document.images)"
        ".filter(img => !(img.complete && img.naturalWidth > 0)).map(img => img.src)"
    )
    assert broken == [], f"images that did not load: {broken}"
    assert failed == [], f"local requests that failed: {failed}"
    assert errors == [], f"script errors: {errors}"
    page.screenshot(path=str(screenshots / f"{page_name.replace('/', '_')}.png"), full_page=True)
    page.close()


def test_math_is_typeset(browser, site):
    page = browser.new_page()
    page.goto(f"{site}/notebooks/head_direction.html", wait_until="load")
    page.wait_for_function("document.querySelectorAll('mjx-container').length > 0", timeout=20000)
    typeset = page.evaluate("document.querySelectorAll('mjx-container').length")
    raw = page.evaluate("document.body.innerText.includes('\\\\exp')")
    assert typeset >= 1 and not raw
    page.close()


def test_navigation_reaches_every_page_from_the_home_page(browser, site):
    page = browser.new_page()
    page.goto(f"{site}/book/index.html", wait_until="load")
    links = page.evaluate(
        "Array.from(document.querySelectorAll('nav.bd-docs-nav a, .bd-sidebar-primary a'))"
        ".map(a => a.href)"
    )
    reached = {link.split("#")[0].removeprefix(site + "/") for link in links}
    for name in pages():
        assert f"{name}.html" in reached, f"{name} is not reachable from the navigation"
    page.close()


def test_animation_plays_in_the_page(browser, site):
    page = browser.new_page()
    page.goto(f"{site}/notebooks/head_direction.html", wait_until="load")
    animation = page.locator("div.animation").first
    animation.scroll_into_view_if_needed()
    frame = animation.locator("img").first
    before = frame.get_attribute("src")
    animation.locator("button").nth(5).click()  # "next frame" in Matplotlib's jshtml player
    page.wait_for_timeout(300)
    assert frame.get_attribute("src") != before, "stepping the animation changes the frame"
    page.close()
