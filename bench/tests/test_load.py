"""The load test's report: locust's CSV read per request type, problems named, docs updated."""

from bench import load
from bench.workload import SCENARIOS

HEADER = (
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
    "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,"
    "50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%\n"
)


def _line(kind, name, n, failures, p50, p99):
    return f"{kind},{name},{n},{failures},{p50},1,1,1,1,2.5,0,{p50},1,1,1,1,1,1,{p99},1,1,1\n"


def test_read_stats_gives_p50_and_p99_per_request_type(tmp_path):
    path = tmp_path / "x_stats.csv"
    path.write_text(
        HEADER
        + "".join(_line("GET", s.name, 10, 0, 40, 120) for s in SCENARIOS)
        + _line("", "Aggregated", 10 * len(SCENARIOS), 0, 40, 120)
    )
    rows = load.read_stats(path)
    assert [r.name for r in rows] == [s.name for s in SCENARIOS] + ["all requests"]
    assert (rows[0].p50, rows[0].p99, rows[0].requests) == (40.0, 120.0, 10)
    assert load.problems(rows) == []


def test_a_request_type_that_failed_or_never_ran_is_a_problem(tmp_path):
    path = tmp_path / "x_stats.csv"
    first, *rest = SCENARIOS
    path.write_text(HEADER + _line("POST", first.name, 10, 3, 40, 120))
    problems = load.problems(load.read_stats(path))
    assert problems[0] == f"{first.name}: 3 of 10 failed"
    assert problems[1:] == [f"{s.name}: no requests" for s in rest]


def test_results_go_under_the_load_section_newest_first(tmp_path):
    docs = tmp_path / "benchmarks.md"
    docs.write_text("# Import benchmark\n\ntext\n")
    load.update_docs(docs, "### run one\n")
    load.update_docs(docs, "### run two\n")
    text = docs.read_text()
    assert text.startswith("# Import benchmark\n\ntext\n")
    assert text.count(load.SECTION) == 1
    assert text.index("### run two") < text.index("### run one")


def test_a_run_where_nothing_completed_reads_as_no_requests(tmp_path):
    path = tmp_path / "x_stats.csv"
    na = ",".join(["N/A"] * 11)
    path.write_text(HEADER + f",Aggregated,0,0,0,0,0,0,0,0,0,{na}\n")
    rows = load.read_stats(path)
    assert (rows[0].name, rows[0].requests, rows[0].p50, rows[0].p99) == ("all requests", 0, 0, 0)
    assert load.problems(rows) == [f"{s.name}: no requests" for s in SCENARIOS]


def test_the_workload_has_every_kind_the_issue_names():
    names = {s.name for s in SCENARIOS}
    assert {
        "health check-in (API)",
        "venue scan (API batch)",
        "resident search (pinyin)",
        "dashboard",
    } <= names
