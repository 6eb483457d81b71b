"""Static files are served under hashed names for as long as a browser likes, compressed,
and compressed again only when they changed."""

from __future__ import annotations

import gzip
import os

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

from fangkong.core.staticfiles import StaticFilesStorage

CSS = '@font-face { src: url("fonts/icon.woff2"); }\n' + ".table { color: red; }\n" * 400
FONT = bytes(range(256)) * 8
SERVED = "fangkong.core.staticfiles.StaticFilesStorage"


def test_the_served_static_files_are_hashed_and_compressed():
    """What ``serve`` and a deployment collect (the tests keep Django's plain storage)."""
    from fangkong.settings import base

    assert base.STORAGES["staticfiles"]["BACKEND"] == SERVED


@pytest.fixture
def collected(tmp_path, settings):
    """``collectstatic`` of a small tree with the deployment's storage."""
    source, root = tmp_path / "src", tmp_path / "root"
    (source / "fonts").mkdir(parents=True)
    (source / "app.css").write_text(CSS)
    (source / "fonts" / "icon.woff2").write_bytes(FONT)
    settings.STATICFILES_DIRS = [source]
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    settings.STATIC_ROOT = root
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": SERVED}}
    settings.WHITENOISE_USE_FINDERS = False

    def collect() -> StaticFilesStorage:
        call_command("collectstatic", interactive=False, verbosity=0)
        return StaticFilesStorage()

    return source, root, collect


def _copies(root) -> dict[str, float]:
    return {p.name: p.stat().st_mtime_ns for p in root.rglob("*.gz")}


def test_a_collected_file_is_linked_by_its_hash_and_compressed(collected):
    _source, root, collect = collected
    storage = collect()
    css, font = storage.stored_name("app.css"), storage.stored_name("fonts/icon.woff2")
    assert css.startswith("app.") and css.endswith(".css") and css != "app.css"
    assert font != "fonts/icon.woff2"
    assert storage.url("app.css") == f"/static/{css}"
    # The stylesheet names the font by its hashed name too.
    hashed_css = gzip.decompress((root / f"{css}.gz").read_bytes()).decode()
    assert f'url("{font}")' in hashed_css
    assert (root / "app.css.gz").exists()  # the plain name stays served, compressed


def test_an_unchanged_file_is_not_compressed_again_and_a_changed_one_is(collected):
    source, root, collect = collected
    storage = collect()
    first, before = storage.stored_name("app.css"), _copies(root)
    collect()
    assert _copies(root) == before  # the next start compresses nothing

    (source / "app.css").write_text(CSS + ".new { color: blue; }\n")
    later = (source / "app.css").stat().st_mtime + 10
    os.utime(source / "app.css", (later, later))
    storage = collect()
    second = storage.stored_name("app.css")
    assert second != first
    assert (
        gzip.decompress((root / f"{second}.gz").read_bytes())
        .decode()
        .endswith(".new { color: blue; }\n")
    )
    assert (
        gzip.decompress((root / "app.css.gz").read_bytes())
        .decode()
        .endswith(".new { color: blue; }\n")
    )


def test_a_file_missing_from_the_manifest_is_linked_by_its_plain_name(collected):
    _source, _root, collect = collected
    storage = collect()
    assert storage.url("fangkong/not-collected.js") == "/static/fangkong/not-collected.js"


@pytest.mark.django_db
def test_a_hashed_file_is_cached_for_good_and_a_plain_one_briefly(collected):
    _source, _root, collect = collected
    storage = collect()
    with override_settings(DEBUG=False):
        client = Client()  # its middleware reads the collected files when it is built
        hashed = client.get(storage.url("app.css"))
        plain = client.get("/static/app.css")
    assert hashed.status_code == plain.status_code == 200
    assert "immutable" in hashed["Cache-Control"]
    assert "max-age=315360000" in hashed["Cache-Control"]
    assert "immutable" not in plain["Cache-Control"]
