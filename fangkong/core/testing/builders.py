"""Build a row of any model, in a given area, for the generated security tests.

``build(model, area)`` fills every required field with a plain sample value, follows foreign
keys (an ``areas.Area`` key gets ``area``, an account key a user of that area, any other key a
row built the same way), so the row and everything it hangs off lie in ``area``. A model the
generic way cannot build registers its own builder with ``@builder("app_label.model")``.
``text`` puts one string into every free-text field (the XSS and formula-injection tests).
"""

from __future__ import annotations

import datetime
import decimal
import itertools
import uuid
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import timezone

from fangkong.demo.generators import make_id_number, make_phone

BUILDERS: dict[str, Callable[..., models.Model]] = {}
_seq = itertools.count(1)

# Free-text fields that still carry a format (numbers, codes): they keep their sample value.
FORMATTED_NAMES = ("id_number", "phone", "code", "token", "path", "key", "hash", "index")


def builder(label: str):
    def decorator(fn):
        BUILDERS[label] = fn
        return fn

    return decorator


def is_free_text(field: models.Field) -> bool:
    return (
        isinstance(field, models.CharField | models.TextField)
        and not isinstance(field, models.EmailField | models.URLField | models.SlugField)
        and not field.choices
        and field.editable
        and not field.primary_key
        and not any(part in field.name for part in FORMATTED_NAMES)
    )


def _sample(field: models.Field, n: int) -> Any:
    if field.choices:
        return field.choices[0][0]
    name = field.name
    if "id_number" in name:
        return make_id_number()
    if "phone" in name:
        return make_phone()
    if isinstance(field, models.EmailField):
        return f"user{n}@example.invalid"
    if isinstance(field, models.GenericIPAddressField):
        return "127.0.0.1"
    if isinstance(field, models.UUIDField):
        return uuid.uuid4()
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, models.DateTimeField):
        return timezone.now()
    if isinstance(field, models.DateField):
        # A date in a uniqueness rule (one summary per area and day) differs per row built.
        if _in_unique_rule(field):
            return timezone.localdate() - datetime.timedelta(days=n % 365)
        return timezone.localdate()
    if isinstance(field, models.TimeField):
        return datetime.time(8, 0)
    if isinstance(field, models.DurationField):
        return datetime.timedelta(days=1)
    if isinstance(field, models.DecimalField):
        return decimal.Decimal("1")
    if isinstance(field, models.FloatField):
        return 1.0
    if isinstance(field, models.IntegerField):
        return 10_000 + n if field.unique else 1
    if isinstance(field, models.JSONField):
        return {}
    if isinstance(field, models.CharField | models.TextField):
        text = f"测试{n}"
        return text[: field.max_length] if field.max_length else text
    raise NotImplementedError(f"no sample for {field.model._meta.label}.{name}")


def _needs_value(field: models.Field) -> bool:
    if field.primary_key or field.null or field.has_default():
        return False
    if field.blank and field.empty_strings_allowed:
        return False
    return not getattr(field, "auto_now", False) and not getattr(field, "auto_now_add", False)


def _user_in(area):
    from fangkong.accounts.choices import Role

    User = apps.get_model(settings.AUTH_USER_MODEL)
    return User.objects.create_user(
        username=f"built{next(_seq)}", password=None, role=Role.COMMUNITY, area=area
    )


@builder("core.auditentry")
def _audit_entry(area, *, text: str | None = None, **fields) -> models.Model:
    """An entry appended through the chain (the writer assigns its id and hashes)."""
    from fangkong.core import audit
    from fangkong.core.models import AuditEntry
    from fangkong.core.models.audit import AuditAction

    audit.record(
        _user_in(area),
        audit.Event(
            action=AuditAction.UPDATE,
            object_type="registry.resident",
            object_id=str(next(_seq)),
            object_repr=text or "样例",
            area_path=area.path,
            changes={"notes": [text or "旧", text or "新"]},
            reason=text or "",
        ),
    )
    return AuditEntry.objects.filter(area_path=area.path).order_by("-id").first()


@builder("dashboard.submittedreport")
def _submitted_report(area, *, text: str | None = None, **fields) -> models.Model:
    """A daily report as sent: its ``data`` is what ``DailyReport.as_data`` stores (the pages
    and exports read it back), with ``text`` in every title it shows."""
    from fangkong.dashboard.models import SubmittedReport
    from fangkong.dashboard.report import DailyReport, Line, Section

    label = text or "样例"
    day = fields.pop("day", timezone.localdate() - datetime.timedelta(days=next(_seq) % 365))
    report = DailyReport(
        title=label,
        area=area,
        day=day,
        generated_at=timezone.now(),
        sections=[Section(label, [Line("cases_new", label, 1, True)])],
        keys=["cases_new"],
        labels=[label],
        children=[],
        area_name=area.name,
    )
    values = {
        "area": area,
        "day": day,
        "template_name": label[:50],
        "title": label[:100],
        "reason": (text or "")[:300],
        "data": report.as_data(),
        "submitted_by": _user_in(area),
        "submitted_at": report.generated_at,
    }
    return SubmittedReport.objects.create(**(values | fields))


@builder("pairing.pairing")
def _pairing(area, *, text: str | None = None, **fields) -> models.Model:
    """A pairing names a building or a household (never neither): a household here."""
    from fangkong.pairing.models import Pairing
    from fangkong.registry.models import Household
    from fangkong.volunteers.models import Volunteer

    values = {
        "volunteer": build(Volunteer, area, text=text),
        "area": area,
        "household": build(Household, area, text=text),
        "notes": (text or "")[:200],
    }
    return Pairing.objects.create(**(values | fields))


@builder("duty.shift")
def _shift(area, *, text: str | None = None, **fields) -> models.Model:
    """A shift still to come, so its page offers every action (替班 ends with the shift)."""
    from fangkong.duty.models import Shift

    start = timezone.now().replace(second=0, microsecond=0) + datetime.timedelta(hours=1)
    times = {"start": start, "end": start + datetime.timedelta(hours=8)}
    return _sampled(Shift, area, text=text, **(times | fields))


def _in_unique_rule(field: models.Field) -> bool:
    meta = field.model._meta
    together = [set(t) for t in meta.unique_together] + [
        set(c.fields) for c in meta.constraints if isinstance(c, models.UniqueConstraint)
    ]
    return any(field.name in names for names in together)


def build(model: type[models.Model], area, *, text: str | None = None, **fields) -> models.Model:
    """One saved row of ``model`` lying in ``area``; ``fields`` override the samples."""
    label = model._meta.label_lower
    if label in BUILDERS:
        return BUILDERS[label](area, text=text, **fields)
    if label == "areas.area":  # the area itself is the row that lies in the area
        if text is not None:
            for field in model._meta.concrete_fields:
                if is_free_text(field):
                    setattr(area, field.name, text[: field.max_length or len(text)])
            area.save()
        return area
    return _sampled(model, area, text=text, **fields)


def _sampled(model: type[models.Model], area, *, text: str | None = None, **fields):
    """A row of sample values, ``fields`` overriding them."""
    n = next(_seq)
    values: dict[str, Any] = {}
    for field in model._meta.concrete_fields:
        if field.name in fields or field.auto_created:
            continue
        if field.is_relation:
            related = field.related_model
            if related._meta.label_lower == "areas.area":
                if not field.null or field.name == "area":
                    values[field.name] = area
            elif related._meta.label == settings.AUTH_USER_MODEL:
                if not field.null:
                    values[field.name] = _user_in(area)
            elif not field.null:
                values[field.name] = build(related, area)
            continue
        if text is not None and is_free_text(field):
            limit = field.max_length or len(text)
            values[field.name] = text[:limit]
        elif _needs_value(field):
            values[field.name] = _sample(field, n)
    values.update(fields)
    return model.objects.create(**values)
