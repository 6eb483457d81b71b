"""Importing the 包联台账 a community keeps in Excel: one row per party member and building
(整栋) or household, named as people write them.

A row's party member is found by name among those the importer may pair
(``services.pairable_volunteers``), told apart from a namesake by their phone; its target by
grid, building name and household number (``services.find_target``); the rules are those of
pairing one by hand (``services.check_pair``). A pairing is identified by member, building and
household, so importing the same 台账 again changes nothing.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_noop as N_

from fangkong.areas.choices import AreaLevel
from fangkong.areas.models import Area
from fangkong.core.importing import Column, Importer, phone_column, register
from fangkong.core.importing import parsers as p
from fangkong.core.personal import index_value
from fangkong.registry.importers import ResidentImporter

from . import services
from .models import Pairing

# Where the services' errors are shown: their fields → this importer's columns.
_COLUMN_OF = {"volunteer": "volunteer", "area": "grid", "building": "building"}
_COLUMN_OF |= {"household": "household"}
# Rows resolved per run (member, grid, target) are remembered up to this many.
RESOLVED_CACHE = 10_000


def _on_columns(e: ValidationError) -> ValidationError:
    """A service's ``ValidationError`` keyed by this importer's columns."""
    if not hasattr(e, "error_dict"):
        return ValidationError({"volunteer": e.messages[0]})
    return ValidationError(
        {_COLUMN_OF.get(k, "volunteer"): msgs[0] for k, msgs in e.message_dict.items()}
    )


@register
class PairingImporter(Importer):
    """包联台账: one row per party member and building or household."""

    key = "pairing.pairing"
    model = Pairing
    label = gettext_lazy("包联")
    permission = "pairing.import_pairing"
    natural_key = ("volunteer", "building", "household")
    key_column = "volunteer"
    columns = (
        Column(
            "volunteer",
            N_("包联党员"),
            ("党员姓名", "姓名", "党员"),
            p.person_name(50),
            required=True,
            example="张三",
        ),
        replace(
            phone_column(),
            header=N_("党员手机号"),
            aliases=("联系电话", "党员电话", "手机", "手机号", "手机号码", "电话"),
            help=N_("有同名党员时必填，用来区分"),
        ),
        ResidentImporter.column("grid"),
        Column(
            "building",
            N_("楼栋"),
            ("楼栋名称", "楼号", "包联楼栋", "楼栋号"),
            p.text(100),
            help=N_("只填楼栋：包联整栋楼的所有住户"),
            example="1栋",
        ),
        Column(
            "household",
            N_("户编号"),
            ("户号", "包联户", "包联户编号"),
            p.text(64),
            help=N_("填户编号：只包联这一户；楼栋和户编号至少填一项"),
            example="1-1-101",
        ),
        Column("notes", N_("备注"), ("说明",), p.text(200)),
    )

    # --- lookups, once per run -------------------------------------------------------------

    def _pairable(self) -> dict[str, list[tuple[int, str | None]]]:
        """``{name: [(volunteer pk, phone index)]}`` of the party members the importer may
        pair, read once."""
        index = self.ctx.cache.get("pairable")
        if index is None:
            index = {}
            rows = services.pairable_volunteers(self.ctx.actor).values_list(
                "pk", "name", "phone_index"
            )
            for pk, name, phone_index in rows:
                index.setdefault(name, []).append((pk, phone_index))
            self.ctx.cache["pairable"] = index
        return index

    def _volunteer(self, values: dict[str, Any]):
        from fangkong.volunteers.models import Volunteer

        hits = self._pairable().get(values["volunteer"], [])
        if not hits:
            raise ValidationError(
                {
                    "volunteer": _(
                        "未找到该党员：须为本区域在岗或储备的党员志愿者，或已向本社区报到的党员"
                    )
                }
            )
        phone = values.get("phone")
        if phone:
            wanted = index_value(phone, kind="phone", purpose="vol-phone")
            hits = [hit for hit in hits if hit[1] == wanted]
            if not hits:
                raise ValidationError({"phone": _("该手机号与这个姓名的党员对不上，请核对")})
        if len(hits) > 1:
            if phone:
                raise ValidationError(
                    {"phone": _("姓名和手机号都相同的党员不止一名，请在页面上逐个新增包联")}
                )
            raise ValidationError(
                {"volunteer": _("有%(n)d名同名党员，请填写党员手机号以区分") % {"n": len(hits)}}
            )
        cache = self.ctx.cache.setdefault("volunteers", {})
        pk = hits[0][0]
        if pk not in cache:
            cache[pk] = Volunteer._base_manager.select_related("area").get(pk=pk)
        return cache[pk]

    def _grid(self, values: dict[str, Any]) -> Area:
        pk = values.get("grid")
        if pk is None:
            if self.ctx.area.level != AreaLevel.GRID:
                raise ValidationError({"grid": _("未填写网格")})
            return self.ctx.area
        cache = self.ctx.cache.setdefault("grids", {})
        if pk not in cache:
            cache[pk] = Area.objects.get(pk=pk)
        return cache[pk]

    def resolve(self, values: dict[str, Any]) -> tuple:
        """``(volunteer, grid, building, household)`` a row names; one of the last two is
        ``None``. ``ValidationError`` by column when a name finds nothing or too much."""
        key = tuple(values.get(k) for k in ("volunteer", "phone", "grid", "building", "household"))
        memo = self.ctx.cache.setdefault("resolved", {})
        hit = memo.get(key)
        if hit is None:
            try:
                volunteer = self._volunteer(values)
                grid = self._grid(values)
                try:
                    building, household = services.find_target(
                        grid, values.get("building", ""), values.get("household", "")
                    )
                except ValidationError as e:
                    raise _on_columns(e) from None
            except ValidationError as e:
                hit = e
            else:
                hit = (volunteer, grid, building, household)
            if len(memo) >= RESOLVED_CACHE:
                memo.clear()
            memo[key] = hit
        if isinstance(hit, ValidationError):
            raise hit
        return hit

    # --- rows ------------------------------------------------------------------------------

    def key_fields(self, values: dict[str, Any]) -> dict[str, Any] | None:
        if "volunteer" not in values:
            return None
        try:
            volunteer, _grid, building, household = self.resolve(values)
        except ValidationError:
            return None  # ``build`` reports it
        return {
            "volunteer": volunteer.pk,
            "building": building.pk if building else None,
            "household": household.pk if household else None,
        }

    def build(self, values: dict[str, Any]) -> dict[str, Any]:
        volunteer, grid, building, household = self.resolve(values)
        try:
            services.check_pair(
                actor=self.ctx.actor, volunteer=volunteer, building=building, household=household
            )
        except PermissionDenied as e:
            raise ValidationError({"grid": str(e)}) from None
        except ValidationError as e:
            raise _on_columns(e) from None
        # A building paired by an earlier row of the file covers its households already,
        # as it would have had the rows been entered one by one.
        whole = self.ctx.cache.setdefault("whole_buildings", set())
        if household is not None and (volunteer.pk, household.building_id) in whole:
            raise ValidationError({"household": _("该党员已包联这一户所在的整栋楼")})
        if building is not None:
            whole.add((volunteer.pk, building.pk))
        fields = {
            "volunteer": volunteer.pk,
            "area": grid.pk,
            "building": building.pk if building else None,
            "household": household.pk if household else None,
        }
        if "notes" in values:
            fields["notes"] = values["notes"]
        shown = self.ctx.cache.setdefault("shown", {})
        shown[(volunteer.pk, fields["building"], fields["household"])] = Pairing(
            volunteer=volunteer, building=building, household=household
        ).audit_repr()
        return fields

    @classmethod
    def upload_url(cls, options: dict[str, Any]) -> str:
        from django.urls import reverse

        return reverse("pairing:pairing_import")

    def object_repr(self, fields: dict[str, Any]) -> str:
        key = (fields["volunteer"], fields["building"], fields["household"])
        return self.ctx.cache.get("shown", {}).get(key, "")

    def foreign_row_message(self) -> str:
        return _("该包联已登记在本次导入范围之外，无法在此导入")
