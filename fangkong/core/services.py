"""Building blocks for the ``verb_noun(*, actor, ...)`` service functions of every app."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _

from .scoping import area_visible_to


class ConflictError(ValidationError):
    """Someone else saved the record since it was opened (optimistic locking)."""


def require_perm(actor, perm: str) -> None:
    if actor is None or not actor.has_perm(perm):
        raise PermissionDenied(_("您没有执行此操作的权限"))


def require_area(actor, area) -> None:
    if not area_visible_to(area, actor):
        raise PermissionDenied(_("该区域不在您的管辖范围内"))


def lock_versioned(instance: models.Model, expected_version: int | None) -> models.Model:
    """Lock the row and check nobody saved it since ``expected_version`` was read.

    Returns the locked copy from the database (the "before" for the audit diff).
    """
    model = type(instance)
    current = model._base_manager.select_for_update().get(pk=instance.pk)
    if expected_version is not None:
        try:  # pages post it as text; only a hand-made request sends anything else
            expected_version = int(expected_version)
        except (TypeError, ValueError):
            raise ConflictError(_("页面的版本号无效，请刷新后重新修改"), code="conflict") from None
    if expected_version is not None and current.version != expected_version:
        raise ConflictError(
            _("该记录已被其他人修改（当前版本 %(cur)s，您编辑的是版本 %(mine)s），请刷新后重新修改")
            % {"cur": current.version, "mine": expected_version},
            code="conflict",
        )
    return current


def lock_rows(model: type[models.Model], pks: Iterable) -> None:
    """Inside the caller's transaction: lock these rows of ``model`` for a rule that reads
    other rows before it writes (one running quarantine a person, one liaison posting an
    enterprise, a venue's last place), so that two sessions cannot both pass it before either
    has written. In key order (two callers locking several cannot deadlock); ``FOR NO KEY
    UPDATE``, which inserts referencing the rows (``FOR KEY SHARE``: a scan at the venue, a
    check-in of the person) do not wait for. SQLite runs one write transaction at a time."""
    keys = sorted(set(pks))
    if keys:
        list(
            model._base_manager.select_for_update(no_key=True)
            .filter(pk__in=keys)
            .order_by("pk")
            .values_list("pk", flat=True)
        )


def lock_named(name: str) -> None:
    """Inside the caller's transaction: one such transaction at a time in the whole database
    for ``name``, where the rows a rule reads cannot be known before it runs (volunteers
    picked for several needs at once; ``lock_rows`` in several rounds could deadlock with a
    single dispatch). PostgreSQL's transaction-level advisory lock; SQLite runs one write
    transaction at a time. For actions people take, not for every request."""
    from django.db import connection

    if not connection.in_atomic_block:  # as select_for_update: held until the commit
        raise transaction.TransactionManagementError("lock_named outside a transaction")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [name])


def audited_create(actor, model: type[models.Model], **fields) -> models.Model:
    """Create a row and append its audit entry; call inside the service's transaction."""
    from . import audit

    instance = model.objects.create(**fields)
    audit.record_create(actor, instance)
    return instance


def save_versioned(
    actor,
    instance: models.Model,
    before: models.Model,
    fields: Mapping[str, Any],
    *,
    reason: str = "",
    update_fields: list[str] | None = None,
) -> models.Model:
    """Write ``fields`` and the next version on ``instance`` and append the update entry.

    ``before`` is the locked copy from ``lock_versioned``; call inside the service's transaction.
    Values equal to what is stored are nothing to write: no new version (another editor's
    form stays valid), no empty audit entry.
    """
    from . import audit

    for name, value in fields.items():
        setattr(instance, name, value)
    if all(getattr(before, name) == value for name, value in fields.items()):
        instance.version = before.version
        return instance
    instance.version = before.version + 1
    instance.save(update_fields=update_fields)
    audit.record_update(actor, before, instance, reason=reason)
    return instance


def audited_update(
    actor,
    instance: models.Model,
    fields: Mapping[str, Any],
    *,
    expected_version: int | None,
    reason: str = "",
) -> models.Model:
    """Lock, check the version, write ``fields`` and audit — one transaction."""
    with transaction.atomic():
        before = lock_versioned(instance, expected_version)
        return save_versioned(actor, instance, before, fields, reason=reason)


def audited_delete(actor, instance: models.Model, *, reason: str = "") -> None:
    """Append the delete entry (with the row's snapshot) and delete — one transaction."""
    from . import audit

    try:
        with transaction.atomic():
            audit.record_delete(actor, instance, reason=reason)
            instance.delete()
    except ProtectedError as e:
        raise still_referenced(e.protected_objects) from None
    except RestrictedError as e:
        raise still_referenced(e.restricted_objects) from None


def still_referenced(objects: Iterable[models.Model]) -> ValidationError:
    """The refusal of a delete that records of other tables still point at (a household
    with its 入户走访, a resident with a 摸排发现 or a case): what they are and how many, in
    words — never the rows themselves (they may name people)."""
    counts = Counter(str(type(obj)._meta.verbose_name) for obj in objects)
    what = _("、").join(
        _("%(records)s %(n)d 条") % {"records": name, "n": n} for name, n in sorted(counts.items())
    )
    return ValidationError(
        _("已有关联的%(what)s，不能删除") % {"what": what},
        code="protected",
    )


def refuse_duplicate(
    qs: models.QuerySet, *, exclude_pk=None, field: str | None, message: str
) -> None:
    """Raise ``message`` (on ``field``) when ``qs`` finds a row other than ``exclude_pk``."""
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    if qs.exists():
        raise ValidationError({field: message} if field else message)


def merged_for_update(
    actor, instance: models.Model, field_names: Iterable[str], data: Mapping[str, Any], *, perm: str
) -> dict[str, Any]:
    """The start of an update service over an ``area`` row: ``perm``, the actor's area over
    the row as it is and as it would be; returns the row's ``field_names`` overlaid with
    ``data`` (a PATCH keeps the rest)."""
    require_perm(actor, perm)
    require_area(actor, instance.area)
    merged = {f: getattr(instance, f) for f in field_names} | dict(data)
    require_area(actor, merged["area"])
    return merged


def create_cleaned(
    actor, model: type[models.Model], data: Mapping[str, Any], *, perm: str, clean: Callable
) -> models.Model:
    """A create service: ``perm``, ``clean(data)`` → fields (Chinese errors per field), the
    actor's area over the row's ``area`` when it has one, create and audit."""
    require_perm(actor, perm)
    fields = clean(data)
    if "area" in fields:
        require_area(actor, fields["area"])
    with transaction.atomic():
        return audited_create(actor, model, **fields)


def update_cleaned(
    actor,
    instance: models.Model,
    data: Mapping[str, Any],
    *,
    perm: str,
    clean: Callable,
    field_names: tuple[str, ...],
    expected_version: int | None,
) -> models.Model:
    """An update service: as ``create_cleaned``, over the row's ``field_names`` overlaid with
    ``data`` (``clean(merged, exclude_pk=)``), with optimistic locking."""
    require_perm(actor, perm)
    scoped = "area" in field_names
    if scoped:
        require_area(actor, instance.area)
    merged = {f: getattr(instance, f) for f in field_names} | dict(data)
    fields = clean(merged, exclude_pk=instance.pk)
    if scoped:
        require_area(actor, fields["area"])  # cleaned first: a missing area is a field error
    return audited_update(actor, instance, fields, expected_version=expected_version)


def clean_named_in_area(
    data: Mapping[str, Any],
    field_names: Iterable[str],
    model: type[models.Model],
    *,
    kinds: type[models.TextChoices],
    duplicate: str,
    exclude_pk=None,
    default_kind: str | None = None,
) -> dict[str, Any]:
    """Fields of a named place in an area (market, warehouse…): area, name and kind required,
    the name unique in its area (``duplicate`` says so)."""
    fields = {k: data[k] for k in field_names if k in data}
    fields["name"] = (fields.get("name") or "").strip()
    if fields.get("area") is None:
        raise ValidationError({"area": _("请选择所属区域")})
    if not fields["name"]:
        raise ValidationError({"name": _("请填写名称")})
    if fields.get("kind", default_kind) not in kinds.values:
        raise ValidationError({"kind": _("请选择类型")})
    refuse_duplicate(
        model.objects.filter(area=fields["area"], name=fields["name"]),
        exclude_pk=exclude_pk,
        field="name",
        message=duplicate,
    )
    return fields
