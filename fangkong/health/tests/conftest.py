import datetime

import pytest
from django.utils import timezone

from fangkong.health.models import Assignment
from fangkong.health.services import release_assignment


@pytest.fixture
def completed_monitoring(users):
    """A resident's health monitoring of the last fortnight, run to its end and released by
    the community (what a 健康证明 is issued for)."""

    def complete(resident) -> Assignment:
        today = timezone.localdate()
        a = Assignment.objects.create(
            resident=resident,
            kind="health_monitoring",
            start_date=today - datetime.timedelta(days=14),
            end_date=today - datetime.timedelta(days=1),
        )
        release_assignment(actor=users["community"], assignment=a)
        return Assignment.objects.get(pk=a.pk)

    return complete
