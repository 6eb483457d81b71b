"""Every importer against lists as people really key them, and worse: each registered
importer gets a workbook whose cells are, at random, what its template suggests, blank, or
something no column expects (long text, numbers where text belongs, impossible dates,
formulas, full-width digits, spreadsheet error values…), with rows repeated. The check, the
import that skips bad rows, and the same file again must each end with every row either
written or refused with a message: never an exception, and the audit chain intact.

It found an item list naming one 名称 under two codes failing the whole file on the unique
index, and a staff list imported twice opening a second account for each blank 登录名.
The suite runs 40 rows an importer; ``make bench`` runs 2,000 (``FANGKONG_IMPORT_FUZZ_ROWS``,
and ``FANGKONG_IMPORT_FUZZ_SEED`` for other rows)."""

from __future__ import annotations

import os
import random

import pytest

from fangkong.core.audit import verify_chain
from fangkong.core.importing import run_import
from fangkong.core.importing.base import importers
from fangkong.core.testing import factories, lists

pytestmark = pytest.mark.django_db

ROWS = int(os.environ.get("FANGKONG_IMPORT_FUZZ_ROWS", "40"))
SEED = int(os.environ.get("FANGKONG_IMPORT_FUZZ_SEED", "20200124"))


def _accounted(result) -> None:
    assert result.created + result.updated + result.unchanged + result.rejected == result.total
    for e in result.errors:
        assert e.message and isinstance(e.message, str), e


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
@pytest.mark.parametrize("key", sorted(importers()))
def test_any_list_is_checked_imported_and_imported_again_without_an_error(
    key, suffix, areas, users, tmp_path
):
    importer = importers()[key]
    actor, area = users["command"], areas["community"]
    place = lists.Place(areas, users)
    rng = random.Random(f"{SEED}:{key}")
    path = lists.save(tmp_path / f"名单{suffix}", lists.listing(key, importer, place, rng, ROWS))
    kw = {"actor": actor, "area": area, "options": factories.import_options(key, actor, area)}

    dry = run_import(key, path, dry_run=True, **kw)
    _accounted(dry)
    assert dry.total >= ROWS * 0.5  # the header was found and the rows read
    done = run_import(key, path, skip_invalid=True, **kw)
    _accounted(done)
    assert done.committed
    again = run_import(key, path, skip_invalid=True, **kw)
    _accounted(again)
    assert again.created == 0
    chain = verify_chain()
    assert chain.ok, chain.problem
