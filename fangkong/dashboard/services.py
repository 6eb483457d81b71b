"""Writes of the dashboard app: report templates (一表通), the daily reports handed out, and
those submitted (日报报送)."""

from __future__ import annotations

import copy
import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.models.audit import AuditAction
from fangkong.core.scoping import is_global
from fangkong.core.services import ConflictError, lock_versioned, require_area, require_perm
from fangkong.status.clock import local_date

from .figures import REGISTRY
from .models import ReportTemplate, SubmittedReport
from .report import DEFAULT_NAME, build_report


def clean_items(items: list) -> list[dict]:
    """Validate the ordered figure list: known keys, each once, optional text fields."""
    if not items:
        raise ValidationError({"items": _("报表至少需要一个统计项目")})
    cleaned, seen = [], set()
    for item in items:
        if isinstance(item, str):
            item = {"key": item}
        key = str(item.get("key", "")).strip()
        if key not in REGISTRY:
            raise ValidationError({"items": _("未知的统计项目：%(key)s") % {"key": key}})
        if key in seen:
            raise ValidationError({"items": _("统计项目重复：%(key)s") % {"key": key}})
        seen.add(key)
        entry = {"key": key}
        for text in ("group", "label"):
            value = str(item.get(text, "") or "").strip()
            if value:
                entry[text] = value[:100]
        cleaned.append(entry)
    return cleaned


def _clean_header(area, name: str, title: str, *, exclude_pk=None) -> tuple[str, str]:
    name, title = (name or "").strip(), (title or "").strip()
    errors = {}
    if not name:
        errors["name"] = _("请填写模板名称")
    elif ReportTemplate.objects.filter(area=area, name=name).exclude(pk=exclude_pk).exists():
        errors["name"] = _("本单位已有同名模板")
    if not title:
        errors["title"] = _("请填写报表标题")
    if errors:
        raise ValidationError(errors)
    return name, title


def create_report_template(*, actor, area, name: str, title: str, items: list) -> ReportTemplate:
    require_perm(actor, "dashboard.add_reporttemplate")
    require_area(actor, area)
    name, title = _clean_header(area, name, title)
    cleaned = clean_items(items)
    with transaction.atomic():
        template = ReportTemplate.objects.create(area=area, name=name, title=title, items=cleaned)
        audit.record_create(actor, template)
    return template


def update_report_template(
    *,
    actor,
    reporttemplate: ReportTemplate,
    expected_version: int | None,
    name: str,
    title: str,
    items: list,
) -> ReportTemplate:
    require_perm(actor, "dashboard.change_reporttemplate")
    require_area(actor, reporttemplate.area)
    name, title = _clean_header(reporttemplate.area, name, title, exclude_pk=reporttemplate.pk)
    cleaned = clean_items(items)
    with transaction.atomic():
        before = lock_versioned(reporttemplate, expected_version)
        reporttemplate.name, reporttemplate.title, reporttemplate.items = name, title, cleaned
        reporttemplate.version = before.version + 1
        reporttemplate.save()
        audit.record_update(actor, before, reporttemplate)
    return reporttemplate


def copy_report_template(*, actor, reporttemplate: ReportTemplate, area) -> ReportTemplate:
    """A copy into ``area`` (the actor's office) named "<name> 副本", "<name> 副本2"…"""
    base = _("%(name)s 副本") % {"name": reporttemplate.name}
    taken = set(
        ReportTemplate.objects.filter(area=area, name__startswith=base).values_list(
            "name", flat=True
        )
    )
    name = next(n for n in (base, *(f"{base}{i}" for i in range(2, 1000))) if n not in taken)
    return create_report_template(
        actor=actor,
        area=area,
        name=name[:50],
        title=reporttemplate.title,
        items=reporttemplate.items,
    )


def delete_report_template(*, actor, reporttemplate: ReportTemplate, reason: str = "") -> None:
    require_perm(actor, "dashboard.delete_reporttemplate")
    require_area(actor, reporttemplate.area)
    with transaction.atomic():
        audit.record_delete(actor, reporttemplate, reason=reason)
        # Reports sent with it keep their copy and its name (``template_name``); their link
        # to it is cleared by the delete (SET NULL), and each says so in the log.
        events = []
        for sent in SubmittedReport.objects.filter(template=reporttemplate):
            unlinked = copy.copy(sent)
            unlinked.template_id = None
            events.append(
                audit.event_for(
                    unlinked,
                    AuditAction.UPDATE,
                    changes=audit.diff(sent, unlinked),
                    reason=_("报表模板已删除"),
                )
            )
        reporttemplate.delete()
        audit.record_many(actor, events)


def record_report_download(*, actor, report, template: ReportTemplate, fmt: str) -> None:
    """A daily report handed out (downloaded, to be sent up): an export entry in the audit
    log carrying the figures as they stood, as every export has one. The report is generated
    from the records each time, so after a late correction (a visit recorded, a finding taken
    back) the day's figures differ from those sent; the entry tells which were sent, when and
    by whom. Figures only: no personal data."""
    figures = {k: str(v) if isinstance(v, Decimal) else v for k, v in report.values().items()}
    audit.record(
        actor,
        audit.Event(
            action=AuditAction.EXPORT,
            object_type=ReportTemplate._meta.label_lower,
            object_id=str(template.pk or ""),
            object_repr=report.title,
            area_path=report.area.path,
            changes={
                "area": report.area.code,
                "day": report.day.isoformat(),
                "template": template.name,
                "format": fmt,
                "figures": figures,
            },
        ),
    )


REASON_MAX = 300


def submit_daily_report(
    *, actor, area, day: datetime.date, template: ReportTemplate, reason: str = ""
) -> SubmittedReport:
    """日报报送: the report of the actor's own area for ``day``, built now and stored as it
    stands. Sending the same area, day and template again is a correction (更正): it needs a
    reason, becomes the current revision, and the earlier ones are kept."""
    require_perm(actor, "dashboard.submit_submittedreport")
    require_area(actor, area)
    if not is_global(actor) and area.pk != actor.area_id:
        raise PermissionDenied(_("只能报送本单位的日报"))
    if day > local_date(timezone.now()):
        raise ValidationError({"date": _("报表日期不能晚于今天")})
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": _("更正原因不能超过 %(n)d 个字") % {"n": REASON_MAX}})
    name = template.name or DEFAULT_NAME
    try:
        with transaction.atomic():
            current = (
                SubmittedReport.objects.select_for_update()
                .filter(area=area, day=day, template_name=name, is_current=True)
                .first()
            )
            if current is not None and not reason:
                message = _("%(day)s 的日报已于 %(at)s 报送，再次报送为更正，请填写更正原因")
                at = f"{timezone.localtime(current.submitted_at):%Y-%m-%d %H:%M}"
                raise ValidationError({"reason": message % {"day": day.isoformat(), "at": at}})
            if current is None:
                reason = ""  # a first submission corrects nothing
            report = build_report(actor, area, day, template)
            if current is not None:
                before = copy.copy(current)
                current.is_current = False
                current.version = before.version + 1
                current.save(update_fields=["is_current", "version", "updated_at"])
                audit.record_update(actor, before, current, reason=reason)
            submitted = SubmittedReport.objects.create(
                area=area,
                day=day,
                template_name=name,
                template=template if template.pk else None,
                title=report.title,
                revision=current.revision + 1 if current is not None else 1,
                is_current=True,
                reason=reason,
                data=report.as_data(),
                submitted_by=actor,
                submitted_at=report.generated_at,
            )
            audit.record_create(actor, submitted, reason=reason)
    except IntegrityError:
        # Someone of the same office sent it at the same moment: theirs stands.
        raise ConflictError(
            _("该日报刚刚已由他人报送，请刷新后查看；如需更正请填写原因后再报送"), code="conflict"
        ) from None
    return submitted


def record_submitted_download(*, actor, submitted: SubmittedReport, fmt: str) -> None:
    """A stored report (日报报送) downloaded: an export entry, as every export has one."""
    audit.record(
        actor,
        audit.Event(
            action=AuditAction.EXPORT,
            object_type=SubmittedReport._meta.label_lower,
            object_id=str(submitted.pk),
            object_repr=str(submitted),
            area_path=submitted.area.path,
            changes={
                "area": submitted.area.code,
                "day": submitted.day.isoformat(),
                "template": submitted.template_name,
                "revision": submitted.revision,
                "format": fmt,
            },
        ),
    )
