import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import ScopedModel
from fangkong.core.search import SearchKeyField

from ..choices import VenueKind


def new_venue_code() -> str:
    """The random code in the venue's public scan URL (场所码); it names nothing."""
    return secrets.token_urlsafe(12)


class Venue(ScopedModel):
    """场所/卡点: a market, supermarket, office, compound or road checkpoint with a scan code."""

    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="venues", verbose_name=_("所属区域")
    )
    name = models.CharField(_("场所名称"), max_length=100)
    kind = models.CharField(_("场所类型"), max_length=16, choices=VenueKind.choices)
    address = models.CharField(_("场所地址"), max_length=200, blank=True)
    capacity = models.PositiveIntegerField(
        _("限流人数"),
        null=True,
        blank=True,
        help_text=_("同时在场的最多人数；留空表示不限流"),
    )
    measures_temperature = models.BooleanField(_("测温"), default=True)
    nat_hours = models.PositiveSmallIntegerField(
        _("核酸查验时限（小时）"),
        null=True,
        blank=True,
        help_text=_("卡点核验时要求该时限内的核酸阴性结果，如 48；留空表示不作准入条件"),
    )
    active = models.BooleanField(_("启用"), default=True)
    code = models.CharField(
        _("场所码"), max_length=24, unique=True, default=new_venue_code, editable=False
    )
    notes = models.TextField(_("备注"), blank=True)

    name_norm = SearchKeyField(source="name", key="norm", max_length=100)
    name_pinyin = SearchKeyField(source="name", key="pinyin", max_length=400)
    name_initials = SearchKeyField(source="name", key="initials", max_length=100)

    audit_named = True  # the audit log names it where an entry refers to it

    class Meta:
        verbose_name = _("场所")
        verbose_name_plural = _("场所")
        ordering = ["area", "name", "id"]
        permissions = [
            ("export_venue", _("导出场所")),
            ("checkpoint_venue", _("卡点核验登记")),
        ]
        indexes = [models.Index(fields=["area", "kind"], name="venue_area_kind")]
        constraints = [
            # The import's natural key, as every other place named within an area.
            models.UniqueConstraint(fields=["area", "name"], name="venue_unique_name_per_area")
        ]

    def __str__(self):
        return self.name
