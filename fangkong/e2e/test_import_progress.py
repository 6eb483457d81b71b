"""A large import through the web UI, run by the real worker: the progress bar moves and ends
with the exact counts.

Unlike the other browser tests this one drives a real installation (``fangkong serve``:
waitress plus the django-tasks database worker) in a sandbox on the database of the current
test pass, because the worker is a second process that must see the same database.
"""

import contextlib
import time

import pytest
from django.db import connection
from playwright.sync_api import Error as PlaywrightError

from fangkong.core.testing.sandbox import sandbox, server_url_of
from fangkong.demo.generators import make_id_number

from .conftest import shot

pytestmark = pytest.mark.browser

ROWS = 20_000
GRID = "510411001001G01"


@pytest.fixture
def installation(tmp_path, django_db_blocker):
    with django_db_blocker.unblock():
        server = (
            server_url_of(connection.settings_dict) if connection.vendor == "postgresql" else None
        )
    with sandbox(tmp_path / "site", server_url=server) as s:
        s.setup()
        with s.serve(worker=True) as url:
            yield s, url


@pytest.fixture
def site_page(browser, installation):
    _sb, url = installation
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    outside = []
    pg.on(
        "request",
        lambda r: None if r.url.startswith((url, "data:", "blob:")) else outside.append(r.url),
    )
    yield pg
    context.close()
    assert outside == [], f"requests outside the site: {outside}"


def _workbook(path) -> None:
    import random

    rng, seen = random.Random(11), {}
    while len(seen) < ROWS:
        seen.setdefault(make_id_number(rng=rng), None)
    lines = [f"新居民{i},{n},{GRID}" for i, n in enumerate(seen)]
    path.write_text("姓名,身份证号,网格\n" + "\n".join(lines) + "\n", encoding="utf-8-sig")


def _watch_progress(pg, until: str, timeout: float = 240) -> list[int]:
    """The progress bar's values, sampled until ``until`` appears on the page."""
    seen: list[int] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        bar = pg.locator(".progress[aria-valuenow]")
        with contextlib.suppress(PlaywrightError):  # the page is being replaced by the result
            if bar.count():
                seen.append(int(bar.first.get_attribute("aria-valuenow", timeout=1000)))
            elif pg.locator(f"text={until}").count():
                return seen
        time.sleep(0.1)
    body = pg.inner_text("main")[:800] if pg.locator("main").count() else pg.content()[:800]
    raise AssertionError(f"'{until}' did not appear at {pg.url}; progress seen: {seen}; {body}")


def test_large_import_shows_progress_advancing_and_finishes_with_exact_counts(
    site_page, installation, tmp_path
):
    sb, url = installation
    before = sb.count("registry_resident")
    path = tmp_path / "大名单.csv"
    _workbook(path)
    pg = site_page
    pg.goto(f"{url}/login/")
    pg.fill("input[name=username]", "community")
    pg.fill("input[name=password]", "pw-for-tests-only")
    pg.click("main form button[type=submit]")
    pg.wait_for_url(lambda u: "/login" not in u)
    pg.goto(f"{url}/registry/residents/import/")
    pg.set_input_files("input[name=file]", str(path))
    community_id = sb.query("SELECT id FROM areas_area WHERE code = %s", ("510411001001",))[0][0]
    pg.select_option("select[name=area]", str(community_id))
    pg.click("form button[type=submit] >> visible=true")

    preview = _watch_progress(pg, "确认导入")  # the dry run runs in the background too
    assert pg.inner_text("[data-count=created]").replace(",", "") == str(ROWS)
    assert sb.count("registry_resident") == before  # the preview wrote nothing
    pg.click("text=确认导入")

    seen = _watch_progress(pg, "导入完成。")
    shot(pg, "import-large-result")
    # The page polls once a second and a fast machine commits 20,000 rows in ~3 s: the
    # commit shows at least one step between 0 and 100 %, and the two runs together at least
    # two (how many each shows depends on the machine's speed, not on the code).
    moving = [v for v in seen if 0 < v < 100]
    assert moving, f"the bar did not move while committing: {seen} (preview {preview})"
    steps = {("preview", v) for v in preview if 0 < v < 100} | {("commit", v) for v in moving}
    assert len(steps) >= 2, f"the bar did not advance visibly: {seen} (preview {preview})"
    assert seen == sorted(seen), f"the bar went backwards: {seen}"
    assert preview == sorted(preview), f"the preview's bar went backwards: {preview}"
    assert pg.inner_text("[data-count=created]").replace(",", "") == str(ROWS)
    assert pg.inner_text("[data-count=rejected]") == "0"
    assert sb.count("registry_resident") == before + ROWS
