"""流调指认: a close contact the case names — by ID number, or by a phone number alone."""

from django.urls import reverse

from fangkong.status.testing import make_resident
from fangkong.tracing.models import Contact


def _name(client, case, **data):
    return client.post(
        reverse("tracing:case_contact_add", args=[case.pk]),
        {"last_exposure": "2022-03-08", "reason": "同车出行", **data},
    )


def test_a_contact_named_only_by_phone_is_found_in_the_registry(client, city, users):
    p, _v, _w, case = city
    client.force_login(users["command"])
    form = client.get(reverse("tracing:case_contact_add", args=[case.pk])).content.decode()
    assert 'name="phone"' in form
    r = _name(client, case, id_number="", phone=f" {p['D'].phone[:3]}-{p['D'].phone[3:]} ")
    assert r.status_code == 302
    named = Contact.objects.get(case=case, resident=p["D"])
    assert (named.degree, named.state, named.reason) == ("close", "suspected", "同车出行")


def test_a_phone_shared_or_unknown_or_outside_scope_asks_for_more(client, city, users):
    p, _v, _w, case = city
    shared = make_resident(p["D"].area, name="共用电话")
    shared.phone = p["D"].phone
    shared.save()
    client.force_login(users["command"])
    page = _name(client, case, id_number="", phone=p["D"].phone).content.decode()
    assert "该联系电话登记了多名居民（如家人共用），请填写身份证号" in page
    assert p["D"].phone not in page.split("<form", 1)[0]  # never echoed in a message
    page = _name(client, case, id_number="", phone="13999999999").content.decode()
    assert "您的管辖范围内没有登记该联系电话的居民" in page
    page = _name(client, case, id_number="", phone="").content.decode()
    assert "请填写身份证号或联系电话" in page
    # With the ID number, the shared phone is no obstacle.
    r = _name(client, case, id_number=shared.id_number, phone=p["D"].phone)
    assert r.status_code == 302
    assert list(Contact.objects.values_list("resident_id", flat=True)) == [shared.pk]

    # A grid worker's scope: a resident of another grid reads as not registered.
    client.force_login(users["grid_b"])
    page = _name(client, case, id_number="", phone=p["C"].phone)
    assert Contact.objects.filter(resident=p["C"]).count() == 0


def test_dismissing_keeps_why_the_contact_was_named(client, city, users):
    """排除 wrote its reason over 判定依据: the case page then said why the contact was dropped
    but no longer why the person had been named, nor did the list's export."""
    import io

    import openpyxl

    p, _v, _w, case = city
    client.force_login(users["command"])
    assert _name(client, case, id_number=p["D"].id_number).status_code == 302
    named = Contact.objects.get(case=case, resident=p["D"])
    r = client.post(reverse("tracing:contact_dismiss", args=[named.pk]), {"reason": "行程不符"})
    assert r.status_code == 302
    named.refresh_from_db()
    assert (named.state, named.reason, named.state_note) == ("dismissed", "同车出行", "行程不符")

    page = client.get(reverse("tracing:case_detail", args=[case.pk])).content.decode()
    assert "同车出行" in page
    assert "排除原因：行程不符" in page
    r = client.get(reverse("tracing:contact_list"), {"export": "xlsx"})
    rows = list(
        openpyxl.load_workbook(io.BytesIO(b"".join(r.streaming_content))).active.iter_rows(
            values_only=True
        )
    )
    header = rows[0]
    row = next(r for r in rows[1:] if "同车出行" in r)
    assert row[header.index("核实说明")] == "行程不符"

    # Confirmed after all: the dismissal's note goes, the basis stays.
    client.post(reverse("tracing:contact_confirm", args=[named.pk]))
    named.refresh_from_db()
    assert (named.state, named.reason, named.state_note) == ("confirmed", "同车出行", "")
    page = client.get(reverse("tracing:case_detail", args=[case.pk])).content.decode()
    assert "同车出行" in page
    assert "行程不符" not in page
