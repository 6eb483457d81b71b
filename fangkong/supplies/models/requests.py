from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import ScopedModel

from ..choices import AllocationState, RequestState, Urgency


class SupplyRequest(ScopedModel):
    """物资申领: a front-line unit asks for a quantity of one item."""

    scope_field = "unit__area"

    unit = models.ForeignKey(
        "supplies.Warehouse",
        on_delete=models.PROTECT,
        related_name="requests",
        verbose_name=_("申领单位"),
    )
    item = models.ForeignKey(
        "supplies.Item", on_delete=models.PROTECT, related_name="requests", verbose_name=_("物资")
    )
    quantity = models.DecimalField(_("申领数量"), max_digits=16, decimal_places=4)
    urgency = models.CharField(
        _("紧急程度"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL
    )
    reason = models.CharField(_("用途说明"), max_length=200, blank=True)
    state = models.CharField(
        _("状态"), max_length=12, choices=RequestState.choices, default=RequestState.SUBMITTED
    )
    approved_quantity = models.DecimalField(
        _("批准数量"), max_digits=16, decimal_places=4, null=True, blank=True
    )
    decision_note = models.CharField(_("审批意见"), max_length=200, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("申领人"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审批人"),
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("物资申领")
        verbose_name_plural = _("物资申领")
        ordering = ["-created_at", "-id"]
        permissions = [("approve_supplyrequest", _("审批物资申领"))]
        indexes = [models.Index(fields=["item", "state"], name="request_item_state_idx")]

    def __str__(self):
        return f"{self.unit} · {self.item}"


class Allocation(ScopedModel):
    """调拨发放: stock sent from a warehouse against an approved request; signed for on arrival."""

    scope_field = "request__unit__area"

    request = models.ForeignKey(
        SupplyRequest,
        on_delete=models.PROTECT,
        related_name="allocations",
        verbose_name=_("申领单"),
    )
    source = models.ForeignKey(
        "supplies.Warehouse",
        on_delete=models.PROTECT,
        related_name="allocations_out",
        verbose_name=_("发出库点"),
    )
    quantity = models.DecimalField(_("发放数量"), max_digits=16, decimal_places=4)
    rank = models.PositiveSmallIntegerField(_("分配顺位"))
    state = models.CharField(
        _("状态"),
        max_length=12,
        choices=AllocationState.choices,
        default=AllocationState.DISPATCHED,
    )
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("发出人"),
    )
    dispatched_at = models.DateTimeField(_("发出时间"))
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("签收人"),
    )
    received_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    receipt_note = models.CharField(_("签收说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("调拨发放")
        verbose_name_plural = _("调拨发放")
        ordering = ["-dispatched_at", "-id"]
        permissions = [("receive_allocation", _("签收调拨物资"))]

    def __str__(self):
        return f"{self.request} × {self.quantity.normalize():f}"
