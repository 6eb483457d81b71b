from bench import perfsplit

# ``perf script -F pid,tid,time,ip,dso``: the importing process 100 (its queue thread 103),
# two workers 101 (its queue thread 104) and 102, then the importing process alone.
LINES = """\
     100/100 10.000: 7f01 (/root/.pyenv/versions/3.11.7/lib/libpython3.11.so.1.0)
     101/101 10.001: 7f02 (/root/.pyenv/versions/3.11.7/lib/libpython3.11.so.1.0)
     102/102 10.002: 7f03 (/usr/lib/x86_64-linux-gnu/libcrypto.so.3)
     101/104 10.003: 7f04 (/x/_pickle.cpython-311-x86_64-linux-gnu.so)
     100/103 10.004: 7f05 (/x/_pickle.cpython-311-x86_64-linux-gnu.so)
     101/101 11.000: 7f06 (/x/_rust.abi3.so)
     100/100 11.500: ffff ([kernel.kallsyms])
     100/100 12.000: 7f07 (/usr/lib/x86_64-linux-gnu/libsqlite3.so.0.8.6)
     100/100 13.000: 7f08 (/usr/lib/x86_64-linux-gnu/libsqlite3.so.0.8.6)
     100/100 13.000: 7f09 (/somewhere/unknown.so)
not a sample line
"""


def test_parse_splits_samples_by_role_and_part():
    split = perfsplit.parse(LINES.splitlines(), frequency=10)
    assert dict(split.seconds["importing process"]) == {
        "Python": 0.1,
        "kernel": 0.1,
        "SQLite": 0.2,
        "other": 0.1,
    }
    assert dict(split.seconds["importing process, queue thread"]) == {"pickle": 0.1}
    assert dict(split.seconds["workers"]) == {"Python": 0.1, "crypto": 0.2}
    assert split.seconds["workers, queue threads"]["pickle"] == 0.1
    assert round(split.total(), 6) == 1.0
    assert split.wall == 3.0
    assert split.tail == 2.0  # after the last worker sample at 11.000


def test_render_gives_seconds_and_microseconds_per_row():
    split = perfsplit.parse(LINES.splitlines(), frequency=10)
    text = perfsplit.render(split, rows=100_000)
    lines = text.splitlines()
    importing = next(i for i, line in enumerate(lines) if line.startswith("importing process "))
    assert lines[importing].split()[-1] == "0.5"  # CPU s
    assert lines[importing + 1].split()[-1] == "5.0"  # µs per row: 0.5 s / 100,000
    assert "serial tail" in lines[-1] and "2.0 s" in lines[-1]


def test_parse_of_nothing_is_empty():
    split = perfsplit.parse([])
    assert split.total() == 0 and split.tail == 0.0
