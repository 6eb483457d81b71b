"""Daily enterprise reports (日报), one per enterprise per day, and reminders for missing ones."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from fangkong.core.models import AuditEntry
from fangkong.enterprises import selectors, services
from fangkong.enterprises.models import DailyReport, Enterprise, ReportReminder
from fangkong.enterprises.testing import application_data

pytestmark = pytest.mark.django_db


def resume(users, enterprise, actor):
    app = services.submit_application(actor=actor, enterprise=enterprise, data=application_data())
    approver = users["command"]
    services.approve_application(actor=approver, application=app, expected_version=1)


def report(actor, enterprise, day, **fields):
    data = {
        "date": day,
        "people_on_site": 30,
        "temperature_checks": 60,
        "abnormal_temperatures": 0,
        "disinfection_done": True,
    } | fields
    return services.submit_daily_report(actor=actor, enterprise=enterprise, data=data)


@pytest.fixture
def resumed(users, ent_a, ent_b, ent_c):
    for ent in (ent_a, ent_b, ent_c):
        resume(users, ent, users["command"])
    return [ent_a, ent_b, ent_c]


def test_one_report_per_enterprise_per_day(liaison, ent_a):
    today = timezone.localdate()
    r = report(liaison, ent_a, today, abnormal_temperatures=1)
    assert (r.people_on_site, r.abnormal_temperatures, r.reported_by) == (30, 1, liaison)
    with pytest.raises(ValidationError) as e:
        report(liaison, ent_a, today)
    assert e.value.message_dict == {"date": ["该企业当日日报已填报"]}
    with pytest.raises(ValidationError) as e:
        report(liaison, ent_a, today + datetime.timedelta(days=1))
    assert e.value.message_dict == {"date": ["不能填报未来日期的日报"]}
    with pytest.raises(ValidationError) as e:
        report(liaison, ent_a, today - datetime.timedelta(days=1), abnormal_temperatures=61)
    assert e.value.message_dict == {"abnormal_temperatures": ["体温异常人数不能多于测温人次"]}
    assert DailyReport.objects.count() == 1


def test_report_for_other_enterprise_denied(liaison, ent_b):
    with pytest.raises(PermissionDenied):
        report(liaison, ent_b, timezone.localdate())
    assert DailyReport.objects.count() == 0


def test_mistyped_report_is_corrected_and_audited(users, liaison, ent_a, ent_b):
    """在岗人数 typed 5 instead of 50: the report is corrected in place, its day kept."""
    today = timezone.localdate()
    r = report(liaison, ent_a, today, people_on_site=5, temperature_checks=100)
    services.update_daily_report(
        actor=liaison,
        dailyreport=r,
        data={"date": today - datetime.timedelta(days=3), "people_on_site": 50, "notes": "更正"},
        expected_version=1,
    )
    r.refresh_from_db()
    assert (r.date, r.people_on_site, r.temperature_checks, r.notes, r.version) == (
        today,
        50,
        100,
        "更正",
        2,
    )
    entry = AuditEntry.objects.filter(object_type="enterprises.dailyreport", action="update").get()
    assert entry.changes["people_on_site"] == [5, 50]
    with pytest.raises(ValidationError) as e:
        services.update_daily_report(
            actor=liaison, dailyreport=r, data={"abnormal_temperatures": 101}, expected_version=2
        )
    assert e.value.message_dict == {"abnormal_temperatures": ["体温异常人数不能多于测温人次"]}
    other = report(users["community"], ent_b, today)
    with pytest.raises(PermissionDenied):
        services.update_daily_report(
            actor=liaison, dailyreport=other, data={"people_on_site": 1}, expected_version=1
        )
    assert DailyReport.objects.get(pk=other.pk).people_on_site == 30
    assert DailyReport.objects.get(pk=r.pk).version == 2


def test_missing_reports_are_resumed_enterprises_without_report(users, resumed, liaison):
    ent_a, ent_b, ent_c = resumed
    today = timezone.localdate()
    report(liaison, ent_a, today)
    missing = selectors.missing_reports(Enterprise.objects.visible_to(users["community"]), today)
    assert list(missing) == [ent_b]
    everyone = selectors.missing_reports(Enterprise.objects.all(), today)
    assert set(everyone) == {ent_b, ent_c}
    # Before the enterprises resumed nothing was due.
    assert not selectors.missing_reports(
        Enterprise.objects.all(), today - datetime.timedelta(days=1)
    ).exists()


def test_remind_missing_reports_records_once(users, resumed, liaison):
    ent_a, ent_b, _ent_c = resumed
    today = timezone.localdate()
    report(liaison, ent_a, today)
    scope = Enterprise.objects.visible_to(users["community"])
    created = services.remind_missing_reports(
        actor=users["community"], day=today, enterprises=scope
    )
    assert [r.enterprise for r in created] == [ent_b]
    assert (
        services.remind_missing_reports(actor=users["community"], day=today, enterprises=scope)
        == []
    )
    entry = AuditEntry.objects.filter(object_type="enterprises.reportreminder").get()
    assert (entry.action, entry.actor_name, entry.area_path) == (
        "create",
        "community",
        ent_b.area.path,
    )
    assert selectors.missing_reports(scope, today).get().reminded is True


def test_remind_denied_without_permission(liaison, resumed):
    with pytest.raises(PermissionDenied):
        services.remind_missing_reports(
            actor=liaison, day=timezone.localdate(), enterprises=Enterprise.objects.all()
        )
    assert ReportReminder.objects.count() == 0


def test_remind_command(users, resumed, liaison):
    ent_a, ent_b, ent_c = resumed
    today = timezone.localdate()
    report(users["community"], ent_b, today)
    out = io.StringIO()
    call_command("remind_enterprise_reports", "--date", today.isoformat(), stdout=out)
    assert set(ReportReminder.objects.values_list("enterprise__name", flat=True)) == {
        ent_a.name,
        ent_c.name,
    }
    assert out.getvalue().strip() == f"{today.isoformat()}：2 家企业未报日报，已记录催报 2 条"
    out = io.StringIO()
    call_command("remind_enterprise_reports", "--date", today.isoformat(), stdout=out)
    assert out.getvalue().strip() == f"{today.isoformat()}：2 家企业未报日报，已记录催报 0 条"
    assert ReportReminder.objects.count() == 2
