"""pypinyin's phrases loaded from Fangkong's cache give exactly pypinyin's own readings."""

import json
import os
import subprocess
import sys

import pytest
from pypinyin import Style, lazy_pinyin, pinyin
from pypinyin.constants import PHRASES_DICT

from fangkong.core import phrases, search

NAMES = ["银行行长", "曾国藩", "单田芳", "张长弓", "解放", "重庆", "朝阳", "欧阳娜娜", "乐乐"]


def test_pypinyin_never_parsed_its_own_phrases():
    assert "pypinyin.phrases_dict" not in sys.modules
    assert os.environ["PYPINYIN_NO_PHRASES"] == "1"


def test_the_phrases_are_pypinyins_own():
    with open(phrases.SOURCE, encoding="utf-8") as fh:
        source = json.load(fh)
    assert {k: [list(t) for t in v] for k, v in PHRASES_DICT.items()} == source


def _readings(words: list[str]) -> list:
    return [
        (lazy_pinyin(w, style=Style.NORMAL), pinyin(w, heteronym=True), pinyin(w, Style.TONE3))
        for w in words
    ]


def test_same_readings_as_pypinyin_loading_its_own():
    words = [*NAMES, *list(PHRASES_DICT)[::97], "我是中国人，我爱我的祖国"]
    script = (
        "import json, sys\n"
        "from pypinyin import Style, lazy_pinyin, pinyin\n"
        "words = json.loads(sys.stdin.read())\n"
        "print(json.dumps([(lazy_pinyin(w, style=Style.NORMAL), pinyin(w, heteronym=True),"
        " pinyin(w, Style.TONE3)) for w in words]))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYPINYIN_")}
    own = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps(words),
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert json.loads(json.dumps(_readings(words))) == json.loads(own.stdout)
    assert search.compute_name_keys("银行行长") == ("银行行长", "yinhanghangzhang", "yhhz")


def test_cache_written_once_then_read(tmp_path, monkeypatch):
    first = phrases.read_cached(tmp_path)
    files = list(tmp_path.iterdir())
    assert [f.name for f in files] == [phrases.cache_name()]

    def no_parse():
        raise AssertionError("parsed again instead of reading the cache")

    monkeypatch.setattr(phrases, "parse_source", no_parse)
    assert phrases.read_cached(tmp_path) == first
    # Inner readings are shared tuples: the point of the compact form.
    again = phrases.read_cached(tmp_path)
    assert again["银行"][1] is again["行长"][0]


@pytest.mark.parametrize("content", [b"", b"not marshal", b"\xe9\x00\x00\x00\x00"])
def test_bad_cache_is_rewritten(tmp_path, content):
    (tmp_path / phrases.cache_name()).write_bytes(content)
    got = phrases.read_cached(tmp_path)
    assert got["银行"] == [("yín",), ("háng",)]
    assert phrases.read_cached(tmp_path) == got  # now a good file


def test_unwritable_cache_dir_still_loads(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache directory should be")
    assert phrases.read_cached(blocked / "cache")["银行"] == [("yín",), ("háng",)]
