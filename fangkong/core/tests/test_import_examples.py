"""Every import template's example values are accepted by their own column: a user who
copies an example into a row must not get an error for it."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from fangkong.areas.choices import AreaLevel
from fangkong.core.importing.base import ImportContext, importers
from fangkong.core.testing.factories import area

# Examples that name a record of the deployment itself: a staff account.
NAMES_AN_ACCOUNT = {("duty.shift", "person")}


@pytest.mark.django_db
def test_template_examples_parse_in_their_columns(areas, users):
    # The demo city's names the examples use (老街社区 and its grids).
    community = area("510411001002", "老街社区", AreaLevel.COMMUNITY, areas["street"])
    area("510411001002G01", "第1网格", AreaLevel.GRID, community)
    now = timezone.now()
    refused = []
    for key, importer in importers().items():
        ctx = ImportContext(
            actor=users["street"], area=areas["street"], now=now, today=timezone.localdate(now)
        )
        ctx.area_paths[areas["street"].pk] = areas["street"].path
        for column in importer.columns:
            if not column.example or (key, column.key) in NAMES_AN_ACCOUNT:
                continue
            try:
                column.parser(column.example, ctx)
            except ValidationError as e:
                refused.append((key, column.key, column.example, e.messages))
    assert refused == []
    assert len(importers()) >= 8
