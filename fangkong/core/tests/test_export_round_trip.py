"""A list exported to Excel, edited there and imported again: for every importer whose
records have a list page, the list's export (as its download button gives it) reads back
through the importer without creating anything. Rows the export masks (ID numbers, phones)
are refused with the message that says so, never matched to someone else or stored twice."""

import random

import pytest
from django.test import Client

from fangkong.core.importing import run_import
from fangkong.core.importing.base import importers
from fangkong.core.testing import factories, lists, urlmap

pytestmark = pytest.mark.django_db

# A delivery note's lines have no list of their own (they are lots in the stock ledger); an
# import never changes an account, so the account list's export comes back as taken logins.
NO_EXPORT = {"supplies.receipt", "accounts.user"}


def _exported_list(key: str) -> str:
    label = importers()[key].model._meta.label_lower
    return urlmap.model_endpoints()[label]["html_list"][0]


@pytest.mark.parametrize("key", sorted(set(importers()) - NO_EXPORT))
def test_a_lists_export_imports_back_without_creating_anything(key, areas, users, tmp_path):
    importer = importers()[key]
    actor, area = users["command"], areas["community"]
    kw = {"actor": actor, "area": area, "options": factories.import_options(key, actor, area)}
    place = lists.Place(areas, users)
    rows = lists.listing(key, importer, place, random.Random(key), 8, spoil=False)
    first = run_import(key, lists.save(tmp_path / "名单.xlsx", rows), skip_invalid=True, **kw)
    assert first.created + first.updated >= 4, [e.message for e in first.errors]

    client = Client()
    client.force_login(actor)
    response = client.get(_exported_list(key), {"export": "xlsx"})
    assert response.status_code == 200
    exported = tmp_path / "导出.xlsx"
    exported.write_bytes(b"".join(response.streaming_content))
    again = run_import(key, exported, skip_invalid=True, **kw)
    assert again.total >= first.created
    assert again.created == 0
    assert all("脱敏" in e.message for e in again.errors), [e.message for e in again.errors]


def test_every_importer_is_covered_or_said_why_not():
    with_lists = {k for k in importers() if k not in NO_EXPORT}
    assert len(with_lists) >= 13
    for key in with_lists:
        assert _exported_list(key)
