"""Pages: content per role, 404 across scope, forms with Chinese errors, pinned query counts."""

import pytest
from django.urls import reverse

from fangkong.duty import services
from fangkong.duty.models import Handover, Shift, WorkingGroup

from .conftest import DAY, at

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def notice(areas, users):
    return services.send_notice(
        actor=users["street"],
        sender_area=areas["street"],
        title="关于加强卡点值守的指令",
        body="请各网格今晚 20 时前落实卡点值守。",
        target_areas=[areas["community"]],
        kind="directive",
    )


def test_shift_list_scoped_with_pinned_queries(
    client, areas, users, make_shift, django_assert_max_num_queries
):
    for hour in range(0, 24, 2):
        end = at(hour + 2) if hour < 22 else at(0, day=1)
        make_shift(areas["community"], users["grid_a"], at(hour), end)
    make_shift(areas["miyi_community"], users["grid_c"], at(8), at(20))
    login(client, users["street"])
    with django_assert_max_num_queries(12):
        page = client.get(reverse("duty:shift_list"))
    assert page.status_code == 200
    assert page.context["page"].paginator.count == 12
    assert "迷阳水岸社区" not in page.content.decode()


def test_shift_detail_404_across_scope(client, areas, users, make_shift):
    shift = make_shift(areas["miyi_community"], users["grid_c"], at(8), at(20))
    url = reverse("duty:shift_detail", args=[shift.pk])
    assert login(client, users["street"]).get(url).status_code == 404
    assert login(client, users["command"]).get(url).status_code == 200


def test_shift_form_shows_chinese_error_and_writes_nothing(client, areas, users):
    login(client, users["community"])
    response = client.post(
        reverse("duty:shift_add"),
        {
            "area": areas["community"].pk,
            "person": users["grid_a"].pk,
            "role": "officer",
            "start": "2020-02-14T20:00",
            "end": "2020-02-14T08:00",
        },
    )
    assert response.status_code == 200
    assert "结束时间必须晚于开始时间" in response.content.decode()
    assert Shift.objects.count() == 0
    response = client.post(
        reverse("duty:shift_add"),
        {
            "area": areas["community"].pk,
            "person": users["grid_a"].pk,
            "role": "officer",
            "start": "2020-02-14T20:00",
            "end": "2020-02-15T08:00",
        },
    )
    shift = Shift.objects.get()
    assert response.url == reverse("duty:shift_detail", args=[shift.pk])
    assert (shift.start, shift.end) == (at(20), at(8, day=1))


def test_coverage_page_lists_exact_gaps(client, areas, users, make_shift):
    make_shift(areas["community"], users["grid_a"], at(8), at(20))
    make_shift(areas["community"], users["grid_b"], at(20), at(8, day=1))
    login(client, users["community"])
    page = client.get(
        reverse("duty:coverage"),
        {"area": areas["community"].pk, "day": DAY.isoformat(), "span": "day"},
    )
    assert page.status_code == 200
    [day] = page.context["days"]
    assert day.gaps == [(at(0), at(8))]
    assert "00:00 – 08:00" in page.content.decode()
    week = client.get(
        reverse("duty:coverage"),
        {"area": areas["community"].pk, "day": DAY.isoformat(), "span": "week"},
    )
    assert len(week.context["days"]) == 7
    assert week.context["gap_days"] == 7
    # Another district's unit cannot be chosen.
    out = client.get(reverse("duty:coverage"), {"area": areas["miyi"].pk, "day": DAY.isoformat()})
    assert out.context["days"] == []
    assert out.context["form"].errors["area"]


def test_group_pages(client, areas, users):
    login(client, users["community"])
    response = client.post(
        reverse("duty:group_add"),
        {
            "area": areas["community"].pk,
            "name": "社区疫情防控专班",
            "leader": users["community"].pk,
            "members": [users["grid_a"].pk, users["grid_b"].pk],
        },
    )
    group = WorkingGroup.objects.get()
    assert response.url == reverse("duty:group_detail", args=[group.pk])
    page = client.get(reverse("duty:group_detail", args=[group.pk]))
    assert [m.username for m in page.context["members"]] == ["community", "grid_a", "grid_b"]
    listing = client.get(reverse("duty:group_list"))
    assert "社区疫情防控专班" in listing.content.decode()
    assert login(client, users["grid_c"]).get(reverse("duty:group_list")).status_code == 403


def test_handover_flow_pages(client, areas, users, make_shift):
    make_shift(areas["community"], users["grid_a"], at(8), at(20))
    login(client, users["grid_a"])
    form = client.get(reverse("duty:handover_add"))
    assert areas["community"] in form.context["form"].fields["area"].queryset
    response = client.post(
        reverse("duty:handover_add"),
        {
            "area": areas["community"].pk,
            "incoming": users["grid_b"].pk,
            "notes": "白班平稳",
            "new_items": "送菜\n\n测温枪",
        },
    )
    handover = Handover.objects.get()
    assert response.url == reverse("duty:handover_detail", args=[handover.pk])
    assert [i.text for i in handover.items.all()] == ["送菜", "测温枪"]
    login(client, users["grid_b"])
    page = client.get(reverse("duty:handover_detail", args=[handover.pk]))
    assert page.context["can_acknowledge"] is True
    client.post(reverse("duty:handover_acknowledge", args=[handover.pk]))
    handover.refresh_from_db()
    assert handover.acknowledged_at is not None
    assert (
        login(client, users["grid_c"])
        .get(reverse("duty:handover_detail", args=[handover.pk]))
        .status_code
        == 404
    )  # another district's handover
