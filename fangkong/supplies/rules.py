"""Rules of the supplies module, in one place: quantities, units and the allocation order."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .choices import Urgency, WarehouseKind

# 重点向一线倾斜: the allocation order. Lower rank is served first. Quarantine sites and
# designated hospitals hold the sick and the exposed; checkpoints stand at the boundary;
# communities serve residents; everything else (including warehouses topping each other up)
# comes last.
FRONTLINE_RANK: dict[str, int] = {
    WarehouseKind.QUARANTINE_SITE: 1,
    WarehouseKind.HOSPITAL: 1,
    WarehouseKind.CHECKPOINT: 2,
    WarehouseKind.COMMUNITY: 3,
    WarehouseKind.OTHER: 4,
    WarehouseKind.WAREHOUSE: 5,
}


QUANTUM = Decimal("0.0001")  # the ledger's four decimal places


def allocation_key(request) -> tuple:
    """Sort key of an approved request: front-line rank, then urgent before normal, then the
    earlier request, then the lower id (a total order, so equal requests never swap)."""
    return (
        FRONTLINE_RANK.get(request.unit.kind, 9),
        0 if request.urgency == Urgency.URGENT else 1,
        request.created_at,
        request.pk,
    )


def clean_quantity(value, field: str = "quantity", *, allow_negative: bool = False) -> Decimal:
    try:
        q = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: _("请填写数量")}) from None
    if not q.is_finite() or (q <= 0 and not allow_negative) or q == 0:
        raise ValidationError(
            {field: _("数量必须大于 0") if not allow_negative else _("数量不能为 0")}
        )
    if abs(q) >= Decimal("1e12"):
        raise ValidationError({field: _("数量过大")})
    return q


def clean_count(value, field: str = "counted") -> Decimal:
    """A figure counted on the shelf (盘点实盘数): zero or more."""
    try:
        q = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: _("请填写数量")}) from None
    if not q.is_finite() or q < 0:
        raise ValidationError({field: _("实盘数量不能小于 0")})
    if q >= Decimal("1e12"):
        raise ValidationError({field: _("数量过大")})
    return q


def to_base(item, quantity: Decimal, unit: str, field: str = "unit") -> Decimal:
    try:
        return item.to_base(quantity, unit).quantize(QUANTUM)
    except ValueError:
        raise ValidationError(
            {field: _("%(item)s 不能以该单位计量") % {"item": item.name}}
        ) from None
