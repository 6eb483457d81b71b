import os
import shutil
from pathlib import Path

import pytest

from fangkong.core.testing import factories


@pytest.fixture
def areas(db):
    return factories.build_city()


@pytest.fixture
def users(areas):
    return factories.build_users(areas)


@pytest.fixture
def compiled_locale(tmp_path, settings):
    """Compile a private copy of the catalogues and point Django at it (resets its caches)."""
    from fangkong.core.management.commands.compile_translations import compile_catalogs

    target = tmp_path / "locale"
    shutil.copytree(Path(settings.LOCALE_PATHS[0]), target, ignore=shutil.ignore_patterns("*.mo"))
    assert len(compile_catalogs([target])) == 2
    settings.LOCALE_PATHS = [target]
    return target


@pytest.fixture
def pg_sessions():
    """Opens other PostgreSQL sessions on the test database, as other server processes would
    have (``pg_sessions(autocommit=True)``); each is rolled back and closed after the test."""
    import psycopg
    from django.db import connection

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("prepare_threshold", None)
    opened = []

    def open_session(**kwargs):
        opened.append(psycopg.connect(**params, **kwargs))
        return opened[-1]

    yield open_session
    for session in opened:
        session.rollback()
        session.close()


@pytest.fixture(autouse=True)
def _clear_cache(request):
    """Rate limits count in the caches: every test starts from none.

    The shared cache is a table (``core/cache.py``): a test's rollback empties it, so the
    database is opened here, before other autouse fixtures may clear the cache. A
    transactional test commits and the flush after it leaves non-model tables alone: it is
    emptied before and after one."""
    from django.core.cache import cache, caches

    caches["local"].clear()
    names = set(request.fixturenames)
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in names or (
        marker is not None and marker.kwargs.get("transaction", False)
    )
    if transactional:
        request.getfixturevalue("transactional_db")
        cache.clear()
    elif "db" in names:
        request.getfixturevalue("db")
    yield
    if transactional:
        cache.clear()


# --- CI: nothing may be skipped ----------------------------------------------------------


def skips_fail() -> bool:
    """In CI (``CI=true``) a skipped test is a failure: what did not run is not known to work."""
    return os.environ.get("CI", "").lower() == "true"


def fail_if_skipped_in_ci(report) -> None:
    if not skips_fail() or not report.skipped or hasattr(report, "wasxfail"):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    report.outcome = "failed"
    report.longrepr = f"skipped while CI=true (skips count as failures in CI): {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    fail_if_skipped_in_ci(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    fail_if_skipped_in_ci(outcome.get_result())


def pytest_collection_modifyitems(config, items):
    """``@pytest.mark.postgres`` tests need PostgreSQL; ``make test`` runs them in its
    PostgreSQL pass and deselects them (``-m "not postgres"``) in the SQLite pass."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL, or run make test)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fresh_status_configuration():
    """The status engine caches policies and designations per process, keyed by a counter
    the services bump; each test's rolled-back data would otherwise share one counter value."""
    from fangkong.status.facts import forget_configuration

    forget_configuration()
