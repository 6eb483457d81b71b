"""The test infrastructure itself: CI turns skips into failures; the PostgreSQL harness."""

import sys

import pytest
from pytest import TestReport

from fangkong.conftest import fail_if_skipped_in_ci
from fangkong.core.testing import postgres


def report(outcome: str, **extra) -> TestReport:
    longrepr = ("x.py", 3, "Skipped: no chromium") if outcome == "skipped" else None
    return TestReport(
        nodeid="x.py::t",
        location=("x.py", 3, "t"),
        keywords={},
        outcome=outcome,
        longrepr=longrepr,
        when="call",
        **extra,
    )


def test_a_skip_fails_when_ci_is_true(monkeypatch):
    monkeypatch.setenv("CI", "true")
    r = report("skipped")
    fail_if_skipped_in_ci(r)
    assert r.outcome == "failed"
    assert r.longrepr == (
        "skipped while CI=true (skips count as failures in CI): Skipped: no chromium"
    )


def test_a_skip_stays_a_skip_outside_ci_and_xfail_and_passes_are_untouched(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    r = report("skipped")
    fail_if_skipped_in_ci(r)
    assert r.outcome == "skipped"

    monkeypatch.setenv("CI", "true")
    xfail = report("skipped", wasxfail="known bug")
    fail_if_skipped_in_ci(xfail)
    assert xfail.outcome == "skipped"
    passed = report("passed")
    fail_if_skipped_in_ci(passed)
    assert passed.outcome == "passed"


def test_redact_hides_the_password_only():
    assert (
        postgres.redact("postgres://fangkong:s3cret@127.0.0.1:5432/fangkong")
        == "postgres://fangkong:***@127.0.0.1:5432/fangkong"
    )
    assert postgres.redact("postgres://u@h/db") == "postgres://u@h/db"


def test_without_a_server_the_postgres_run_is_skipped_with_a_clear_line(monkeypatch, capsys):
    monkeypatch.delenv(postgres.ENV_URL, raising=False)
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(postgres, "find_bindir", lambda: None)

    assert postgres.main(["run", "--", sys.executable, "-c", "raise SystemExit(7)"]) == 0
    assert capsys.readouterr().out == (
        "PostgreSQL tests skipped: no server binary found "
        "(install postgresql or set FANGKONG_TEST_DATABASE_URL)\n"
    )


def test_without_a_server_ci_fails(monkeypatch, capsys):
    monkeypatch.delenv(postgres.ENV_URL, raising=False)
    monkeypatch.setenv("CI", "true")
    monkeypatch.setattr(postgres, "find_bindir", lambda: None)

    assert postgres.main(["run", "--", sys.executable, "-c", "pass"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("ERROR: PostgreSQL tests skipped: no server binary found")
    assert captured.err.endswith("CI=true requires PostgreSQL.\n")


@pytest.mark.parametrize("status", [0, 5])
def test_the_given_url_is_passed_as_database_url_and_the_status_returned(
    monkeypatch, capsys, status
):
    url = "postgres://fangkong:pw@127.0.0.1:5999/fangkong"
    monkeypatch.setenv(postgres.ENV_URL, url)
    code = f"import os, sys; sys.exit({status} if os.environ['DATABASE_URL'] == {url!r} else 99)"
    assert postgres.main(["run", "--", sys.executable, "-c", code]) == status
    assert capsys.readouterr().out == (
        "PostgreSQL tests: postgres://fangkong:***@127.0.0.1:5999/fangkong "
        "(FANGKONG_TEST_DATABASE_URL)\n"
    )


def test_usage_error():
    assert postgres.main(["pytest"]) == 2


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_sandbox_database_is_dropped_with_a_session_still_open():
    """A sandbox's server may leave a session behind; the drop ends it (``FORCE``)."""
    import psycopg
    from django.db import connection

    from fangkong.core.testing.sandbox import _drop_database, _replace_db, server_url_of

    server = server_url_of(connection.settings_dict)
    name = "fk_sandbox_droptest"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    lingering = psycopg.connect(_replace_db(server, name), autocommit=True)
    try:
        _drop_database(server, name, patience=10)
    finally:
        lingering.close()
    with psycopg.connect(server, autocommit=True) as admin:
        assert (
            admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None
        )
