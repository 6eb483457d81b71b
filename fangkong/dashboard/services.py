"""Writes of the dashboard app: report templates (一表通)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.services import require_area, require_perm

from .figures import REGISTRY
from .models import ReportTemplate


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


def create_report_template(*, actor, area, name: str, title: str, items: list) -> ReportTemplate:
    require_perm(actor, "dashboard.add_reporttemplate")
    require_area(actor, area)
    name, title = (name or "").strip(), (title or "").strip()
    errors = {}
    if not name:
        errors["name"] = _("请填写模板名称")
    elif ReportTemplate.objects.filter(area=area, name=name).exists():
        errors["name"] = _("本单位已有同名模板")
    if not title:
        errors["title"] = _("请填写报表标题")
    if errors:
        raise ValidationError(errors)
    cleaned = clean_items(items)
    with transaction.atomic():
        template = ReportTemplate.objects.create(area=area, name=name, title=title, items=cleaned)
        audit.record_create(actor, template)
    return template
