"""Real-browser tests: Debian's Chromium driven by Playwright against the live test server.

Nothing downloads a browser: the executable is ``FANGKONG_CHROMIUM`` or /usr/bin/chromium.
Without it these tests skip with the reason (in CI a skip is a failure).
"""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("FANGKONG_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Playwright's sync API runs an event loop in this thread; the ORM calls in fixtures are
# still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium not found: apt-get install chromium (or set FANGKONG_CHROMIUM)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


@pytest.fixture
def city(transactional_db):
    """The test city's areas and one account per role; modules that need more define their
    own ``city``."""
    from fangkong.core.testing import factories

    areas = factories.build_city()
    return areas, factories.build_users(areas)


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    # The site must never reach outside: fail on any request that leaves the live server.
    outside = []
    pg.on(
        "request",
        lambda r: (
            None if r.url.startswith((live_server.url, "data:", "blob:")) else outside.append(r.url)
        ),
    )
    yield pg
    context.close()
    assert outside == [], f"requests outside the site: {outside}"


def shot(pg, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def login(pg, live_server, username: str) -> None:
    pg.goto(f"{live_server.url}/login/")
    pg.fill("input[name=username]", username)
    pg.fill("input[name=password]", "pw-for-tests-only")
    pg.click("main form button[type=submit]")
    pg.wait_for_url(lambda url: "/login" not in url)


def no_sideways_scroll(pg) -> None:
    """The page fits the viewport's width: nothing to scroll sideways on a phone.

    Callers wait for the page they mean (a click returns before its navigation commits);
    waiting for the load here keeps a page still being parsed from being measured."""
    pg.wait_for_load_state("load")
    overflow = pg.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow == 0
