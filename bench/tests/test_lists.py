"""The list pages benchmark's report: the home page's links get their own table, and a slow
one counts against the 500 ms bar like any list."""

from bench.lists_cli import render


def _page(ms: float) -> dict:
    return {
        "status": 200,
        "median_ms": ms,
        "runs": 3,
        "slowest_ms": ms / 2,
        "slowest_table": "status_personstatus",
        "slowest_sql": "SELECT 1",
    }


def test_home_links_table_and_verdict():
    class Args:
        pass

    data = {
        "runs": 3,
        "pages": {"status:status_list": {w: _page(30) for w in ("city", "district", "community")}},
        "filtered": {},
        "home_links": {
            "status:status_list colour=green": {
                "city": _page(16_000),
                "district": _page(90),
                "community": _page(40),
            }
        },
    }
    text = render(Args, {"SQLite": (data, [])}, "python -m bench lists", {"cpu": "x"}, [])
    assert "| Linked from the home page | city | district | community |" in text
    assert "| status:status_list colour=green | 16,000 **!** | 90 | 40 |" in text
    assert text.splitlines()[0].endswith("1 pages over 500 ms")
    data["home_links"]["status:status_list colour=green"]["city"] = _page(120)
    text = render(Args, {"SQLite": (data, [])}, "python -m bench lists", {"cpu": "x"}, [])
    assert text.splitlines()[0].endswith("all pages under 500 ms")
