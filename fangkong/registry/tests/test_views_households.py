"""Household and building pages: create, edit (optimistic locking), delete with a reason."""

import pytest
from django.urls import reverse

from fangkong.core.models import AuditEntry
from fangkong.core.personal import mask
from fangkong.registry import services
from fangkong.registry.models import Building, Household

ADDRESS = "仁和区海棠花语小区1栋101"


@pytest.fixture
def homes(users, areas):
    actor = users["command"]
    b1 = services.create_building(actor=actor, area=areas["grid_a"], name="1栋")
    return {
        "b1": b1,
        "h1": services.create_household(
            actor=actor, area=areas["grid_a"], number="1-101", address=ADDRESS, building=b1
        ),
        "h2": services.create_household(actor=actor, area=areas["grid_b"], number="2-201"),
    }


def test_edit_household_keeps_the_address_when_left_empty(client, users, areas, homes):
    h1 = homes["h1"]
    client.force_login(users["grid_a"])
    url = reverse("registry:household_edit", args=[h1.pk])
    r = client.get(url)
    body = r.content.decode()
    assert ADDRESS not in body and mask("address", ADDRESS) in body
    r = client.post(
        url,
        {
            "area": areas["grid_a"].pk,
            "number": "1-102",
            "building": homes["b1"].pk,
            "address": "",
            "notes": "改号",
            "version": h1.version,
        },
    )
    assert r.status_code == 302
    h1.refresh_from_db()
    assert (h1.number, h1.address, h1.notes, h1.version) == ("1-102", ADDRESS, "改号", 2)
    assert AuditEntry.objects.filter(action="update", object_type="registry.household").count() == 1


def test_stale_version_is_a_conflict(client, users, areas, homes):
    h1 = homes["h1"]
    client.force_login(users["grid_a"])
    r = client.post(
        reverse("registry:household_edit", args=[h1.pk]),
        {"area": areas["grid_a"].pk, "number": "1-109", "version": 7},
    )
    assert r.status_code == 409
    h1.refresh_from_db()
    assert h1.number == "1-101"


def test_household_of_another_grid_is_404(client, users, homes):
    client.force_login(users["grid_a"])
    for name in ("registry:household_edit", "registry:household_delete"):
        assert client.get(reverse(name, args=[homes["h2"].pk])).status_code == 404
    r = client.post(reverse("registry:household_delete", args=[homes["h2"].pk]), {"reason": "x"})
    assert r.status_code == 404
    assert Household.objects.filter(pk=homes["h2"].pk).exists()


def test_create_and_delete_household(client, users, areas):
    client.force_login(users["grid_a"])
    r = client.post(
        reverse("registry:household_add"),
        {"area": areas["grid_a"].pk, "number": "9-901", "address": ADDRESS},
    )
    h = Household.objects.get(number="9-901")
    assert r["Location"] == reverse("registry:household_detail", args=[h.pk])
    assert h.address == ADDRESS
    r = client.post(reverse("registry:household_delete", args=[h.pk]), {"reason": "重复登记"})
    assert r.status_code == 302
    assert not Household.objects.filter(pk=h.pk).exists()
    entry = AuditEntry.objects.get(action="delete", object_type="registry.household")
    assert entry.reason == "重复登记"


def test_building_with_households_cannot_be_deleted(client, users, areas, homes):
    client.force_login(users["community"])
    url = reverse("registry:building_delete", args=[homes["b1"].pk])
    r = client.post(url, {"reason": "拆除"})
    assert r.status_code == 200
    assert r.context["form"].non_field_errors() == ["该楼栋还有住户，请先移出或删除住户"]
    assert Building.objects.filter(pk=homes["b1"].pk).exists()


def test_building_create_edit_delete(client, users, areas):
    client.force_login(users["community"])
    r = client.post(reverse("registry:building_add"), {"area": areas["grid_b"].pk, "name": "5栋"})
    b = Building.objects.get(name="5栋")
    assert r["Location"] == reverse("registry:building_detail", args=[b.pk])
    r = client.post(
        reverse("registry:building_edit", args=[b.pk]),
        {"area": areas["grid_b"].pk, "name": "5号楼", "notes": "", "version": b.version},
    )
    b.refresh_from_db()
    assert b.name == "5号楼"
    r = client.get(reverse("registry:building_list"))
    assert reverse("registry:building_detail", args=[b.pk]) in r.content.decode()
    client.post(reverse("registry:building_delete", args=[b.pk]), {"reason": "录错"})
    assert not Building.objects.filter(pk=b.pk).exists()


def test_grid_worker_of_another_grid_cannot_touch_the_building(client, users, homes):
    client.force_login(users["grid_b"])
    assert client.get(reverse("registry:building_detail", args=[homes["b1"].pk])).status_code == 404
    assert client.get(reverse("registry:building_edit", args=[homes["b1"].pk])).status_code == 404


def test_leader_cannot_edit(client, users, homes):
    client.force_login(users["leader"])
    assert client.get(reverse("registry:household_edit", args=[homes["h1"].pk])).status_code == 403
    assert client.get(reverse("registry:building_add")).status_code == 403


def test_household_with_screening_visits_is_refused_in_words(client, users, areas, homes):
    """A household a campaign visited (moved out since) cannot be deleted — its visits are
    the campaign's record — and the page says so instead of a server error; nothing is
    written, not even the audit entry."""
    import datetime

    from django.utils import timezone

    from fangkong.screening.services import create_campaign, record_visit

    today = timezone.localdate()
    campaign = create_campaign(
        actor=users["street"],
        area=areas["street"],
        title="返乡人员摸排",
        starts_on=today,
        due_on=today + datetime.timedelta(days=3),
    )
    h2 = homes["h2"]
    for _ in range(2):
        record_visit(actor=users["grid_b"], campaign=campaign, household=h2, outcome="nobody_home")
    client.force_login(users["community"])
    r = client.post(reverse("registry:household_delete", args=[h2.pk]), {"reason": "已搬离"})
    assert r.status_code == 200
    assert r.context["form"].non_field_errors() == ["已有关联的入户走访 2 条，不能删除"]
    assert Household.objects.filter(pk=h2.pk).exists()
    assert not AuditEntry.objects.filter(action="delete", object_type="registry.household")
