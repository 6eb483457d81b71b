from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import LotSource, MovementKind, Unit
from .base import LedgerRow


class Lot(LedgerRow):
    """批次: one receipt of an item (a purchase, a donation line, a surplus found at a count).

    Every ledger row names its lot, so a donated unit can be followed wherever it goes.
    """

    scope_field = "warehouse__area"

    item = models.ForeignKey(
        "supplies.Item", on_delete=models.PROTECT, related_name="lots", verbose_name=_("物资")
    )
    warehouse = models.ForeignKey(
        "supplies.Warehouse",
        on_delete=models.PROTECT,
        related_name="lots",
        verbose_name=_("入库库点"),
    )
    source = models.CharField(_("来源"), max_length=16, choices=LotSource.choices)
    donation = models.ForeignKey(
        "supplies.Donation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lots",
        verbose_name=_("捐赠"),
    )
    quantity = models.DecimalField(_("数量"), max_digits=16, decimal_places=4)
    entered_quantity = models.DecimalField(_("填报数量"), max_digits=16, decimal_places=4)
    entered_unit = models.CharField(_("填报单位"), max_length=8, choices=Unit.choices)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    received_at = models.DateTimeField(_("入库时间"))
    # The delivery note (入库单) the lot was received on; blank for a lot from the form, a
    # donation or a count. A note's line is one lot: importing the note again matches it.
    document = models.CharField(_("入库单号"), max_length=50, blank=True, default="")

    class Meta:
        verbose_name = _("批次")
        verbose_name_plural = _("批次")
        ordering = ["received_at", "id"]
        constraints = [
            # Two imports of one note racing cannot both receive its line.
            models.UniqueConstraint(
                fields=["document", "warehouse", "item"],
                condition=~Q(document=""),
                name="lot_unique_document_line",
            )
        ]

    def __str__(self):
        return f"#{self.pk} {self.item}"


class Movement(LedgerRow):
    """库存流水: one append-only stock movement; stock is the sum of these, never stored.

    ``quantity`` is signed and in the item's base unit (in/transfer-in positive, out/transfer-
    out negative, adjustments either way); the entered figure and unit are kept as typed.
    """

    scope_field = "warehouse__area"

    warehouse = models.ForeignKey(
        "supplies.Warehouse",
        on_delete=models.PROTECT,
        related_name="movements",
        verbose_name=_("库点"),
    )
    item = models.ForeignKey(
        "supplies.Item", on_delete=models.PROTECT, related_name="movements", verbose_name=_("物资")
    )
    lot = models.ForeignKey(
        Lot, on_delete=models.PROTECT, related_name="movements", verbose_name=_("批次")
    )
    kind = models.CharField(_("类型"), max_length=16, choices=MovementKind.choices)
    quantity = models.DecimalField(_("数量"), max_digits=16, decimal_places=4)
    entered_quantity = models.DecimalField(_("填报数量"), max_digits=16, decimal_places=4)
    entered_unit = models.CharField(_("填报单位"), max_length=8, choices=Unit.choices)
    occurred_at = models.DateTimeField(_("发生时间"))
    counterpart = models.ForeignKey(
        "supplies.Warehouse",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("对方库点"),
    )
    recipient = models.CharField(_("领用单位/人"), max_length=100, blank=True)
    allocation = models.ForeignKey(
        "supplies.Allocation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="movements",
        verbose_name=_("调拨单"),
    )
    reason = models.CharField(_("事由"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("经办人"),
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("库存流水")
        verbose_name_plural = _("库存流水")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            # The stock SUM and the FIFO lot balances read exactly these columns.
            models.Index(
                fields=["warehouse", "item", "lot", "quantity"], name="movement_stock_idx"
            ),
            models.Index(fields=["item", "kind", "occurred_at"], name="movement_burn_idx"),
            # The append-only ledger's list order (newest first).
            models.Index(fields=["-occurred_at", "-id"], name="movement_list_order"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.item_id} {self.quantity}"
