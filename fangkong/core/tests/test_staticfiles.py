"""Static files are served compressed, and compressed again only when they changed."""

from __future__ import annotations

import gzip
import os

from fangkong.core.staticfiles import StaticFilesStorage

CSS = ".table { color: red; }\n" * 400


def _collect(storage, path="app.css") -> list:
    return list(storage.post_process({path: (storage, path)}))


def test_the_served_static_files_have_compressed_copies():
    """What ``serve`` and a deployment collect (the tests keep Django's plain storage)."""
    from fangkong.settings import base

    assert base.STORAGES["staticfiles"]["BACKEND"] == "fangkong.core.staticfiles.StaticFilesStorage"


def test_a_file_is_compressed_once_and_again_when_it_changes(tmp_path):
    storage = StaticFilesStorage(location=tmp_path, base_url="/static/")
    source = tmp_path / "app.css"
    source.write_text(CSS)
    assert {name for _path, name, _done in _collect(storage)} >= {"app.css.gz"}
    assert gzip.decompress((tmp_path / "app.css.gz").read_bytes()).decode() == CSS
    assert _collect(storage) == []  # unchanged: not compressed again at the next start

    source.write_text(CSS + ".new { color: blue; }\n")
    later = source.stat().st_mtime + 10
    os.utime(source, (later, later))
    assert {name for _path, name, _done in _collect(storage)} >= {"app.css.gz"}
    assert (
        gzip.decompress((tmp_path / "app.css.gz").read_bytes())
        .decode()
        .endswith(".new { color: blue; }\n")
    )
