"""The demo city's enterprises: written with ``load-demo``, consistent, audited, idempotent."""

from io import StringIO

import pytest
from django.core.management import call_command

from fangkong.core.audit import verify_chain
from fangkong.core.models import AuditEntry
from fangkong.core.validators import validate_credit_code
from fangkong.demo.enterprises import DEMO_EMPLOYEES_PER_ENTERPRISE, ENTERPRISE_NAMES
from fangkong.enterprises import selectors
from fangkong.enterprises.models import (
    DailyReport,
    Employee,
    Enterprise,
    LiaisonAssignment,
    ResumptionApplication,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    call_command("load_demo", residents=200, communities_per_street=1, seed=2020, stdout=StringIO())


def test_demo_enterprises(demo):
    enterprises = Enterprise.objects.all()
    assert enterprises.count() == len(ENTERPRISE_NAMES)
    for e in enterprises:
        assert validate_credit_code(e.credit_code) == e.credit_code
    assert selectors.resumption_counts(enterprises) == {
        "not_applied": 2,
        "pending": 2,
        "returned": 2,
        "resumed": 6,
    }
    # Every enterprise that applied has exactly one application in the matching state.
    assert ResumptionApplication.objects.count() == 10
    assert Employee.objects.count() == len(ENTERPRISE_NAMES) * DEMO_EMPLOYEES_PER_ENTERPRISE
    states = selectors.return_state_counts(Employee.objects.all())
    assert states["not_returned"] > 0 and states["pending"] + states["at_work"] > 0
    assert set(LiaisonAssignment.objects.values_list("liaison__username", flat=True)) == {"liaison"}
    assert not DailyReport.objects.exclude(enterprise__resumption_state="resumed").exists()
    assert AuditEntry.objects.filter(object_type="enterprises.enterprise").count() == 12
    assert verify_chain().ok


def test_demo_second_run_adds_no_enterprise_rows(demo):
    before = (Enterprise.objects.count(), Employee.objects.count(), AuditEntry.objects.count())
    call_command("load_demo", residents=200, communities_per_street=1, seed=2020, stdout=StringIO())
    assert (
        Enterprise.objects.count(),
        Employee.objects.count(),
        AuditEntry.objects.count(),
    ) == before
