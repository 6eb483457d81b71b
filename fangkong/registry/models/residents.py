from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import ScopedModel
from fangkong.core.personal import BlindIndexField, EncryptedTextField, mask_name
from fangkong.core.search import SearchKeyField

from ..choices import Gender, ResidentCategory


class Resident(ScopedModel):
    """居民: a person registered in a grid. ID number, phone and address are encrypted."""

    # No index of its own: ``resident_area_category`` (area, category) starts with it.
    area = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        related_name="residents",
        verbose_name=_("网格"),
        db_index=False,
    )
    # Indexed where set (``resident_household``).
    household = models.ForeignKey(
        "registry.Household",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("户"),
        db_index=False,
    )
    name = models.CharField(_("姓名"), max_length=50)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    id_number = EncryptedTextField(_("身份证号"), kind="id_number")
    phone = EncryptedTextField(_("联系电话"), kind="phone")
    address = EncryptedTextField(_("现住址"), kind="address")
    category = models.CharField(
        _("人员类别"),
        max_length=16,
        choices=ResidentCategory.choices,
        default=ResidentCategory.PERMANENT,
    )
    origin = models.CharField(_("来源地"), max_length=100, blank=True)
    arrival_date = models.DateField(_("抵达日期"), null=True, blank=True)
    # Stored as ",party,elderly," so one LIKE finds a tag on every database.
    tags = models.CharField(_("标签"), max_length=255, blank=True, default="")
    notes = models.TextField(_("备注"), blank=True)

    # Unique through ``resident_id_number`` (a named index, unlike a column's UNIQUE: a first
    # import into an empty table sets it aside and builds it at the end, ``core.importing``).
    id_number_index = BlindIndexField(source="id_number", purpose="id", db_index=False)
    id_number_last4 = BlindIndexField(source="id_number", purpose="id4", transform="last4")
    phone_index = BlindIndexField(source="phone", purpose="phone")
    phone_last4 = BlindIndexField(source="phone", purpose="phone4", transform="last4")
    # Not indexed: search uses LIKE '%x%' on name_norm (no b-tree serves it) and LIKE 'x%' on
    # the other two, which SQLite never answers from an index (case-insensitive LIKE with
    # ESCAPE) and PostgreSQL only under the C collation (EXPLAIN); each index costs imports.
    name_norm = SearchKeyField(source="name", key="norm", max_length=50, db_index=False)
    name_pinyin = SearchKeyField(source="name", key="pinyin", max_length=200, db_index=False)
    name_initials = SearchKeyField(source="name", key="initials", max_length=50, db_index=False)

    class Meta:
        verbose_name = _("居民")
        verbose_name_plural = _("居民")
        ordering = ["area", "name", "id"]
        permissions = [
            ("reveal_resident", _("查看居民敏感信息")),
            ("import_resident", _("导入居民")),
            ("export_resident", _("导出居民")),
            ("export_personal_resident", _("导出未脱敏的居民信息")),
        ]
        constraints = [
            # NULL never repeats in a unique index, so partial or not it holds the same keys;
            # partial, both databases build it as a plain index (SQLite's column UNIQUE
            # cannot be dropped) and use it for every "= x" and "IN (…)" on the column.
            models.UniqueConstraint(
                fields=["id_number_index"],
                name="resident_id_number",
                condition=models.Q(id_number_index__isnull=False),
            ),
        ]
        indexes = [
            models.Index(fields=["area", "category"], name="resident_area_category"),
            # A resident's area from the index alone: the dashboard's counts over cases,
            # contacts, quarantine and findings are scoped and grouped by their resident's
            # area — 10,000 look-ups that would each read a resident's row from the table.
            models.Index(fields=["id", "area"], name="resident_id_area"),
            # The list's order within an area: walked area by area in path order, a
            # city-wide first page reads 50 index entries instead of sorting 1,000,000.
            models.Index(fields=["area", "name", "id"], name="resident_list_order"),
            # A household's members. Only residents in a household: after an import most
            # are in none, and over every row SQLite's statistics gave one value (NULL) to
            # the whole city, so it read a million residents for a household's three (3 s).
            models.Index(
                fields=["household"],
                name="resident_household",
                condition=models.Q(household__isnull=False),
            ),
        ]

    def __str__(self):
        return self.name

    def audit_repr(self) -> str:
        return mask_name(self.name)

    @property
    def tag_list(self) -> list[str]:
        return [t for t in self.tags.split(",") if t]
