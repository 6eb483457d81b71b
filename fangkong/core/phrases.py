"""pypinyin's phrase dictionary in a third of the memory, the same readings.

pypinyin parses its phrase JSON (47,000 phrases) when it is imported: ~35 MB of Python
objects, a list and a string for every syllable, in every process that searches or stores
a name (each gunicorn worker, each import worker). Here pypinyin is told to skip it
(``PYPINYIN_NO_PHRASES``, its documented switch) and gets the same phrases through its own
``load_phrases_dict`` as one list of shared syllable tuples a phrase, read from a marshal
file cached under ``var/cache/``: ~9 MB, and no parse garbage left in the heap (1,000,000
rows imported: docs/benchmarks.md, session 25). The first process after an upgrade parses
the JSON once and writes the file; a cache that cannot be written or read is only slower.

Import this module before anything imports pypinyin (``core.search`` does).
"""

from __future__ import annotations

import contextlib
import json
import marshal
import os
import sys
import tempfile
from pathlib import Path

# Before pypinyin's first import: its constants module reads these once.
os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")
# Its copies of the dictionaries exist for custom dictionaries, which Fangkong never loads.
os.environ.setdefault("PYPINYIN_NO_DICT_COPY", "1")

import pypinyin
from pypinyin.constants import PHRASES_DICT

SOURCE = Path(pypinyin.__file__).with_name("phrases_dict.json")

Phrases = dict[str, list[tuple[str, ...]]]


def cache_name() -> str:
    """Names the pypinyin data and the marshal format: any change to either is a new file."""
    stat = SOURCE.stat()
    return (
        f"pypinyin-phrases-{pypinyin.__version__}-{stat.st_size}-{stat.st_mtime_ns}"
        f"-py{sys.version_info[0]}{sys.version_info[1]}-m{marshal.version}.marshal"
    )


def parse_source() -> Phrases:
    """pypinyin's phrases as ``{phrase: [(reading, …) per character]}``, tuples shared."""
    with open(SOURCE, encoding="utf-8") as fh:
        raw: dict[str, list[list[str]]] = json.load(fh)
    shared: dict[tuple[str, ...], tuple[str, ...]] = {}
    return {
        phrase: [shared.setdefault(tuple(readings), tuple(readings)) for readings in chars]
        for phrase, chars in raw.items()
    }


def read_cached(cache_dir: Path) -> Phrases:
    """The phrases from ``cache_dir``'s file, which is written first if missing or bad."""
    path = cache_dir / cache_name()
    with contextlib.suppress(OSError, EOFError, ValueError, TypeError):
        with open(path, "rb") as fh:
            # Written by this code into the deployment's own var/ (owner-only files), and
            # marshal builds plain data: no pickle-like code runs on loading.
            phrases = marshal.load(fh)  # noqa: S302
        if isinstance(phrases, dict) and phrases:
            return phrases
    phrases = parse_source()
    data = marshal.dumps(phrases)
    with contextlib.suppress(OSError):  # read-only or full: the next process parses again
        cache_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=".pypinyin-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)  # concurrent first processes each write a whole file
        except OSError:
            os.unlink(tmp)
            raise
    # What the next process will read: the file's objects, not the parse's (whose freed
    # pages would stay scattered through this one's heap).
    return marshal.loads(data)  # noqa: S302 (the bytes just made above)


def load(cache_dir: Path) -> None:
    """Give pypinyin its phrases, unless something imported it before its switch was set."""
    if PHRASES_DICT:
        return
    pypinyin.load_phrases_dict(read_cached(cache_dir))
