"""Tracing 0008: contacts decided before 核实说明 existed get back their 判定依据 from the audit
log, and the decision's words move to the new field (on SQLite Django copies the table: the
triggers kept on it stay)."""

import pytest
from django.db import connection

from fangkong.core import audit
from fangkong.core.models.audit import AuditAction
from fangkong.core.testing.migrations import migrate, migrate_to_latest
from fangkong.core.triggers import installed_triggers
from fangkong.tracing.models import Contact
from fangkong.tracing.services import trace_case

from .conftest import t

BEFORE = [("tracing", "0007_exposure_export_personal")]


def _old_decision(actor, contact, state: str, old: str, new: str | None) -> None:
    """The audit entry the code before 0008 wrote: the reason overwritten (when given)."""
    changes = {"state": [contact.state, state]}
    if new is not None:
        changes["reason"] = [old, new]
    audit.record_many(actor, [audit.event_for(contact, AuditAction.UPDATE, changes=changes)])


@pytest.mark.django_db(transaction=True)
def test_decided_contacts_get_their_basis_back(city, users):
    _p, _v, _w, case = city
    actor = users["command"]
    trace_case(actor=actor, case=case, now=t(0, 12))
    by_name = {c.resident.name: c for c in Contact.objects.filter(case=case, degree="close")}
    b, c, f = by_name["重叠者"], by_name["窗口边缘"], by_name["同住者"]
    basis = {x.pk: x.reason for x in (b, c, f)}
    # B: dismissed, then confirmed again without a word (its reason stayed the dismissal's).
    _old_decision(actor, b, "dismissed", basis[b.pk], "身份误匹配")
    b.state = "dismissed"
    _old_decision(actor, b, "confirmed", "身份误匹配", None)
    # C: dismissed. F: never decided.
    _old_decision(actor, c, "dismissed", basis[c.pk], "戴口罩")
    triggers = installed_triggers()
    try:
        migrate(BEFORE)
        with connection.cursor() as cur:
            for pk, state, reason in [
                (b.pk, "confirmed", "身份误匹配"),
                (c.pk, "dismissed", "戴口罩"),
            ]:
                cur.execute(
                    "UPDATE tracing_contact SET state = %s, reason = %s WHERE id = %s",
                    [state, reason, pk],
                )
    finally:
        migrate_to_latest()  # 0008 forwards, and what depends on it
    assert installed_triggers() == triggers
    got = {x.pk: (x.state, x.reason, x.state_note) for x in Contact.objects.filter(case=case)}
    assert got[b.pk] == ("confirmed", basis[b.pk], "")
    assert got[c.pk] == ("dismissed", basis[c.pk], "戴口罩")
    assert got[f.pk] == ("suspected", basis[f.pk], "")
    assert basis[c.pk].startswith("系统追踪：")
