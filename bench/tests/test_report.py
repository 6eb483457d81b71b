from bench.report import RESULTS_MARKER, Report, Run, evaluate, update_docs


def _report():
    report = Report(command="python -m bench")
    report.runs = [
        Run("platform", "SQLite", 1_000_000, 40.0, 200.0),
        Run("floor", "SQLite", 1_000_000, 20.0, 150.0),
        Run("platform", "PostgreSQL", 1_000_000, 100.0, 320.0),
        Run("floor", "PostgreSQL", 1_000_000, 25.0, 150.0),
        Run("platform", "SQLite", 100_000, 5.0, 180.0),
        Run("import-export (default)", "SQLite", 100_000, 150.0, 900.0),
        Run("import-export (bulk)", "SQLite", 100_000, 40.0, 400.0),
    ]
    return report


def test_targets_are_checked_per_database():
    checks = [(c.target, c.measured, c.passed) for c in evaluate(_report())]
    assert checks == [
        ("SQLite: ≥ 20,000 rows/s (1,000,000 rows)", "25,000 rows/s", True),
        ("SQLite: within 3× of the plain executemany insert", "2.000×", True),
        ("SQLite: peak memory < 300 MB (1,000,000 rows)", "200 MB", True),
        ("SQLite: ≥ 10× faster than import-export (default) (100,000 rows)", "30.0×", True),
        ("SQLite: ≥ 10× faster than import-export (bulk) (100,000 rows)", "8.0×", False),
        ("PostgreSQL: within 3× of the plain executemany insert", "4.000×", False),
        ("PostgreSQL: peak memory < 300 MB (1,000,000 rows)", "320 MB", False),
    ]


def test_a_failed_run_fails_its_targets():
    report = _report()
    report.runs[0].ok = False
    report.runs[0].note = "exit 1"
    report.checks = evaluate(report)
    assert [c.passed for c in report.checks][:3] == [False, False, False]
    assert not report.passed


def test_docs_keep_one_header_and_put_the_newest_run_first(tmp_path):
    path = tmp_path / "benchmarks.md"
    first, second = _report(), _report()
    first.command, second.command = "first-run", "second-run"
    first.checks = evaluate(first)
    update_docs(path, first)
    update_docs(path, second)
    text = path.read_text(encoding="utf-8")
    assert text.count(RESULTS_MARKER) == 1
    assert text.count("# Import benchmark") == 1
    assert text.index("second-run") < text.index("first-run")
    assert "| platform | SQLite | 1,000,000 | 40.0 | 25,000 | 200 | 0.0 | 2.00× | – | yes |" in text
    assert (
        "| import-export (bulk) | SQLite | 100,000 | 40.0 | 2,500 | 400 | 0.0 | – | 8.0× | yes |"
        in (text)
    )
    assert "| SQLite: ≥ 10× faster than import-export (bulk) (100,000 rows) | 8.0× | FAIL |" in text
