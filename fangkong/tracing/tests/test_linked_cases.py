"""Two cases linked: a contact who becomes a case is shown as one on the first case's page,
and the second case's page names the case it was a contact of."""

from django.urls import reverse

from fangkong.tracing.models import Contact
from fangkong.tracing.services import confirm_contact, create_case, trace_case, void_case

from .conftest import CONFIRMED, t


def test_a_contact_who_became_a_case_links_both_case_pages(client, city, users):
    p, _v, _w, first = city
    command = users["command"]
    trace_case(actor=command, case=first, now=t(0, 12))
    b = Contact.objects.get(case=first, resident=p["B"])
    confirm_contact(actor=command, contact=b)
    second = create_case(
        actor=command, resident=p["B"], kind="confirmed", confirmed_at=CONFIRMED, code="C-13"
    )
    client.force_login(command)

    page = client.get(reverse("tracing:case_detail", args=[first.pk])).content.decode()
    assert "已为病例 C-13" in page
    assert reverse("tracing:case_detail", args=[second.pk]) in page
    # A case is not put into quarantine as a contact.
    assert f'name="contacts" value="{b.pk}"' not in page

    page = client.get(reverse("tracing:case_detail", args=[second.pk])).content.decode()
    assert "关联病例" in page
    assert "的密切接触者（已确认）" in page
    assert reverse("tracing:case_detail", args=[first.pk]) in page

    # Tracing the second case finds the first case's person: shown as that case.
    trace_case(actor=command, case=second, now=t(0, 12))
    assert Contact.objects.filter(case=second, resident=p["A"]).exists()
    page = client.get(reverse("tracing:case_detail", args=[second.pk])).content.decode()
    assert "已为病例 C-12" in page

    # A voided first case links nothing any more.
    void_case(actor=command, case=first, reason="录错")
    page = client.get(reverse("tracing:case_detail", args=[second.pk])).content.decode()
    assert "关联病例" not in page
    assert "已为病例 C-12" not in page


def test_a_contact_who_became_a_case_is_not_sent_to_quarantine(
    city, users, django_capture_on_commit_callbacks
):
    """Through the API or a hand-made request too: the whole action is refused."""
    import pytest
    from django.core.exceptions import ValidationError

    from fangkong.health.models import Assignment
    from fangkong.tracing.services import quarantine_contacts

    p, _v, _w, first = city
    command = users["command"]
    trace_case(actor=command, case=first, now=t(0, 12))
    b = Contact.objects.get(case=first, resident=p["B"])
    k = Contact.objects.get(case=first, resident=p["K"])
    for contact in (b, k):
        confirm_contact(actor=command, contact=contact)
    create_case(actor=command, resident=p["B"], kind="confirmed", confirmed_at=CONFIRMED)
    with pytest.raises(ValidationError, match="已登记为病例"):
        quarantine_contacts(actor=command, case=first, contacts=[b, k], kind="home_quarantine")
    assert not Assignment.objects.exists()
