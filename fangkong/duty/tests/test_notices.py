"""Notices: recipients resolved at send time, acknowledgment tracking, reminders, scoping."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fangkong.accounts.choices import Role
from fangkong.core.models import AuditEntry
from fangkong.core.testing.factories import make_user
from fangkong.duty import selectors, services
from fangkong.duty.models import Notice, NoticeReceipt

pytestmark = pytest.mark.django_db


def send(actor, sender_area, targets, roles=(), **kw):
    return services.send_notice(
        actor=actor,
        sender_area=sender_area,
        title=kw.pop("title", "关于落实24小时值班制度的通知"),
        body=kw.pop("body", "各单位严格执行24小时值班制度。"),
        target_areas=targets,
        target_roles=roles,
        **kw,
    )


def names(receipts):
    return sorted(r.user.username for r in receipts)


def test_recipients_are_the_users_of_the_target_subtrees_except_the_sender(areas, users):
    notice = send(users["command"], areas["city"], [areas["renhe"]])
    assert names(notice.receipts.select_related("user")) == [
        "community",
        "grid_a",
        "grid_b",
        "street",
        "volunteer",
    ]
    assert notice.recipient_count == 5
    entry = AuditEntry.objects.filter(object_type="duty.notice").get()
    assert entry.action == "create"
    assert entry.changes["target_areas"] == [areas["renhe"].pk]
    assert len(entry.changes["recipients"]) == 5
    receipt_entries = AuditEntry.objects.filter(object_type="duty.noticereceipt", action="create")
    assert sorted(receipt_entries.values_list("area_path", flat=True)) == sorted(
        users[u].area.path for u in ("community", "grid_a", "grid_b", "street", "volunteer")
    )


def test_roles_narrow_the_recipients(areas, users):
    notice = send(users["command"], areas["city"], [areas["city"]], roles=[Role.GRID_WORKER])
    assert names(notice.receipts.select_related("user")) == ["grid_a", "grid_b", "grid_c"]
    assert notice.target_roles == ["grid_worker"]


def test_roles_alone_address_the_senders_subtree(areas, users):
    notice = send(users["street"], areas["street"], [], roles=[Role.GRID_WORKER])
    assert names(notice.receipts.select_related("user")) == ["grid_a", "grid_b"]
    assert list(notice.target_areas.all()) == [areas["street"]]


def test_recipients_are_stored_so_later_staff_changes_do_not_rewrite_history(areas, users):
    notice = send(users["street"], areas["street"], [areas["community"]], roles=[Role.GRID_WORKER])
    # grid_b moves to 米易县 and a new grid worker joins the community after sending.
    users["grid_b"].area = areas["grid_c"]
    users["grid_b"].save()
    make_user(Role.GRID_WORKER, areas["grid_a"], username="newcomer")
    receipts = list(notice.receipts.select_related("user", "area"))
    assert [(r.user.username, r.area.name) for r in receipts] == [
        ("grid_a", "第一网格"),
        ("grid_b", "第二网格"),
    ]
    report = selectors.acknowledgment_report(notice)
    assert [(u.area.code, u.total) for u in report.units] == [
        (areas["grid_a"].code, 1),
        (areas["grid_b"].code, 1),
    ]


def test_acknowledgment_tracking_exact_lists_and_counts_per_unit(areas, users):
    notice = send(users["command"], areas["city"], [areas["renhe"], areas["miyi"]])
    services.acknowledge_notice(actor=users["grid_a"], notice=notice)
    services.acknowledge_notice(actor=users["street"], notice=notice)
    report = selectors.acknowledgment_report(notice)
    assert names(report.acknowledged) == ["grid_a", "street"]
    assert names(report.pending) == ["community", "grid_b", "grid_c", "volunteer"]
    assert [(u.area.name, u.total, len(u.acknowledged), len(u.pending)) for u in report.units] == [
        ("仁和街道", 1, 1, 0),
        ("海棠花语社区", 2, 0, 2),
        ("第一网格", 1, 1, 0),
        ("第二网格", 1, 0, 1),
        ("第一网格", 1, 0, 1),
    ]
    assert report.total == 6


def test_acknowledging_twice_changes_nothing(areas, users):
    notice = send(users["command"], areas["city"], [areas["grid_a"]])
    first = services.acknowledge_notice(actor=users["grid_a"], notice=notice)
    entries = AuditEntry.objects.count()
    again = services.acknowledge_notice(
        actor=users["grid_a"], notice=notice, now=timezone.now() + datetime.timedelta(hours=1)
    )
    assert again.acknowledged_at == first.acknowledged_at
    assert AuditEntry.objects.count() == entries


def test_only_a_recipient_can_acknowledge(areas, users):
    notice = send(users["command"], areas["city"], [areas["grid_a"]])
    with pytest.raises(PermissionDenied):
        services.acknowledge_notice(actor=users["grid_b"], notice=notice)
    assert not NoticeReceipt.objects.filter(acknowledged_at__isnull=False).exists()


def test_remind_touches_only_the_unacknowledged(areas, users):
    notice = send(users["street"], areas["street"], [areas["community"]])
    services.acknowledge_notice(actor=users["grid_a"], notice=notice)
    reminded = services.remind_unacknowledged(actor=users["street"], notice=notice)
    assert names(reminded) == ["community", "grid_b", "volunteer"]
    services.remind_unacknowledged(actor=users["street"], notice=notice)
    counts = dict(notice.receipts.values_list("user__username", "remind_count"))
    assert counts == {"community": 2, "grid_a": 0, "grid_b": 2, "volunteer": 2}
    updates = AuditEntry.objects.filter(object_type="duty.noticereceipt", action="update")
    assert updates.count() == 1 + 3 + 3  # one signature, two rounds of three reminders


def test_remind_needs_permission_and_scope(areas, users):
    notice = send(users["street"], areas["street"], [areas["community"]])
    with pytest.raises(PermissionDenied):
        services.remind_unacknowledged(actor=users["grid_a"], notice=notice)
    other = make_user(Role.STREET, areas["miyi_street"], username="miyi_street")
    with pytest.raises(PermissionDenied):
        services.remind_unacknowledged(actor=other, notice=notice)
    assert set(notice.receipts.values_list("remind_count", flat=True)) == {0}


def test_deadline_and_overdue(areas, users):
    now = timezone.now()
    notice = send(
        users["command"],
        areas["city"],
        [areas["grid_a"]],
        deadline=now + datetime.timedelta(hours=2),
    )
    assert notice.is_overdue(now) is False
    assert notice.is_overdue(now + datetime.timedelta(hours=3)) is True
    with pytest.raises(ValidationError) as e:
        send(users["command"], areas["city"], [areas["grid_a"]], deadline=now)
    assert e.value.message_dict == {"deadline": ["签收期限必须晚于当前时间"]}


@pytest.mark.parametrize(
    ("sender", "sender_area", "targets", "error"),
    [
        ("community", "community", ["street"], ("target_areas", "接收单位必须在发文单位的辖区内")),
        ("command", "city", [], ("target_areas", "请选择接收单位")),
    ],
)
def test_send_validation(areas, users, sender, sender_area, targets, error):
    with pytest.raises(ValidationError) as e:
        send(users[sender], areas[sender_area], [areas[t] for t in targets])
    assert e.value.message_dict == {error[0]: [error[1]]}
    assert Notice.objects.count() == 0


def test_send_needs_permission_and_own_area(areas, users):
    with pytest.raises(PermissionDenied):
        send(users["grid_a"], areas["grid_a"], [areas["grid_a"]])
    with pytest.raises(PermissionDenied):
        send(users["community"], areas["city"], [areas["grid_a"]])
    assert Notice.objects.count() == 0 and AuditEntry.objects.count() == 0


def test_scoping_unit_sees_own_and_subtree_recipient_sees_addressed(areas, users):
    city = send(users["command"], areas["city"], [areas["grid_a"]], title="市级")
    street = send(users["street"], areas["street"], [areas["community"]], title="街道")
    miyi = send(users["command"], areas["miyi"], [areas["miyi"]], title="米易")

    def titles(qs):
        return sorted(n.title for n in qs)

    assert titles(Notice.objects.visible_to(users["command"])) == ["市级", "米易", "街道"]
    assert titles(Notice.objects.visible_to(users["street"])) == ["街道"]
    assert titles(selectors.notices_for(users["street"])) == ["街道"]
    assert titles(selectors.notices_for(users["grid_a"])) == ["市级", "街道"]
    assert titles(selectors.notices_for(users["grid_c"])) == ["米易"]
    assert titles(selectors.notices_for(users["volunteer"])) == ["街道"]
    assert {city.pk, street.pk, miyi.pk} == set(Notice.objects.values_list("pk", flat=True))


def test_inbox_lists_unacknowledged_first(areas, users):
    old = send(
        users["command"],
        areas["city"],
        [areas["grid_a"]],
        title="旧",
        now=timezone.now() - datetime.timedelta(days=2),
    )
    send(users["command"], areas["city"], [areas["grid_a"]], title="新")
    mid = send(
        users["command"],
        areas["city"],
        [areas["grid_a"]],
        title="中",
        now=timezone.now() - datetime.timedelta(days=1),
    )
    services.acknowledge_notice(actor=users["grid_a"], notice=mid)
    assert [r.notice.title for r in selectors.inbox(users["grid_a"])] == ["新", "旧", "中"]
    assert selectors.unacknowledged_count(users["grid_a"]) == 2
    assert old.recipient_count == 1
