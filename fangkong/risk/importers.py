"""Importing the list of risk areas a command office re-keys from the national notices
(风险地区名单导入).

The rules are those of ``services.set_risk_level``: a row names an area of the platform (by
its 区划代码, inside the import's area) or an external place (name and/or code); a place
already at the row's level is unchanged (a list republished as it was changes nothing); another
level closes the place's open designation from the row's 生效时间 and opens a new one. The
engine's key is the place's open designation, so a match is the place's current level:

- same level: ``merge`` leaves the record as it is (counted unchanged);
- another level: ``merge`` turns the row into the update that ends the open designation
  (counted updated, audited) and ``after_batch`` creates the new designation;
- no open designation: the row is inserted (counted created).

Run options (``ctx.options``): ``reason`` (认定依据, required: every designation and audit
entry records it), ``effective_from`` (ISO time for rows without 生效时间; default now) and
``lift_unlisted`` (名单外地区解除: the open designations of external places the file does not
name are lifted at that time, as ``services.end_risk_designation`` does).
"""

from __future__ import annotations

import copy
import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_noop as N_

from fangkong.core import audit, generations
from fangkong.core.importing import (
    Column,
    Importer,
    ImportFileError,
    PendingRow,
    create_records,
    register,
)
from fangkong.core.importing import parsers as p
from fangkong.core.models.audit import AuditAction
from fangkong.core.services import lock_named, require_perm
from fangkong.formats import joined
from fangkong.status.services import recompute_in_background_on_commit

from . import services
from .models import RiskDesignation, RiskLevel
from .selectors import residents_matching_designation

AREA_NOT_FOUND = N_("未找到该区划代码的本平台区域（本区域内）")
# Endings a list gives a level (高风险区, 中风险地区) that its name leaves out.
LEVEL_ENDINGS = ("地区", "区")
# How many lifted places the result lists by name (the count is always exact).
LIFTED_SHOWN = 200


def _levels(ctx) -> dict[str, int]:
    levels = ctx.cache.get("risk_levels")
    if levels is None:
        levels = ctx.cache["risk_levels"] = dict(RiskLevel.objects.values_list("name", "pk"))
    return levels


def parse_level(value, ctx) -> int:
    """A ``RiskLevel`` by name (高风险), with its list ending (高风险区) or by a short form
    (高) that begins exactly one level's name."""
    levels = _levels(ctx)
    text = p.cell_text(value).replace(" ", "")
    candidates = [text]
    candidates += [text[: -len(e)] for e in LEVEL_ENDINGS if text.endswith(e) and text != e]
    for name in candidates:
        if name in levels:
            return levels[name]
    for name in candidates:
        starting = [pk for level_name, pk in levels.items() if level_name.startswith(name)]
        if len(starting) == 1:
            return starting[0]
    raise ValidationError(
        _("无法识别“%(v)s”，可填写：%(all)s") % {"v": text[:20], "all": joined(levels)}
    )


def parse_code(value, ctx=None) -> str:
    """A 区划代码 as the service checks it (2–12 digits)."""
    code = p.cell_text(value).replace(" ", "")
    return services.check_place(area=None, place_name="", place_code=code)[1]


def _identity(area_pk: int | None, place_code: str, place_name: str) -> tuple:
    """What makes two designations the same place (``services._open_designation_of_place``)."""
    if area_pk is not None:
        return ("area", area_pk)
    if place_code:
        return ("code", place_code)
    return ("name", place_name)


@register
class DesignationImporter(Importer):
    """风险地区名单: one row per place and its level."""

    key = "risk.designation"
    model = RiskDesignation
    label = gettext_lazy("风险地区名单")
    permission = "risk.add_riskdesignation"
    # The place's open designation (``effective_to`` is always empty in a row's key).
    natural_key = ("place_code", "place_name", "area", "effective_to")
    key_column = "place_name"
    columns = (
        Column(
            "place_name",
            N_("地区名称"),
            ("风险地区", "地区", "风险地区名称", "地区名", "区域名称"),
            p.text(100),
            required=True,
            help=N_("外地写全称，如 湖北省武汉市武昌区；本平台区域按区划代码匹配"),
            example="湖北省武汉市武昌区",
        ),
        Column(
            "place_code",
            N_("区划代码"),
            ("行政区划代码", "地区代码", "区划编码", "代码"),
            parse_code,
            help=N_("2–12 位数字，可不填；与本平台区域的区划代码相同时设定该区域"),
            example="420106",
            as_text=True,
        ),
        Column(
            "level",
            N_("风险等级"),
            ("等级", "风险级别", "级别"),
            parse_level,
            required=True,
            help=N_("风险等级名称，如 高风险、中风险、低风险，也可写 高、中、低"),
            example="高风险",
        ),
        Column(
            "effective_from",
            N_("生效时间"),
            ("生效日期", "公布时间", "发布时间", "调整时间", "起始时间"),
            p.parse_datetime,
            help=N_("不填时按导入时选择的生效时间"),
            example="2022-04-10 00:00",
        ),
        # Only the list's export has it (the designation's history): such a row is not a
        # level to set, and importing it would open a place that was lifted.
        Column(
            "effective_to",
            N_("截止时间"),
            ("截止日期", "解除时间"),
            p.parse_datetime,
            help=N_("导出的历史记录才有，有截止时间的行不能导入"),
            in_template=False,
        ),
    )

    def __init__(self, ctx):
        super().__init__(ctx)
        if ctx.actor is None:
            # A designation records who set it (``set_by``).
            raise ImportFileError(_("风险地区名单须由具体账号导入"))
        reason = (ctx.options.get("reason") or "").strip()
        try:
            self.reason = services.check_reason(reason)
        except ValidationError as e:
            raise ImportFileError(e.messages[0]) from None
        self.lift = bool(ctx.options.get("lift_unlisted"))
        if self.lift:
            require_perm(ctx.actor, "risk.change_riskdesignation")
        when = ctx.options.get("effective_from")
        self.effective_from = datetime.datetime.fromisoformat(when) if when else ctx.now
        if timezone.is_naive(self.effective_from):
            self.effective_from = timezone.make_aware(self.effective_from)
        # Places the file names (``_identity``): never lifted, each named once.
        self.named: dict[tuple, int] = {}
        self.mentioned: set[tuple] = set()
        self.superseding: dict[int, dict[str, Any]] = {}  # open designation pk → the new one
        self.changed: set[int] = set()  # designations written (created, ended or lifted)

    # --- lookups, once per run -------------------------------------------------------------

    def begin(self) -> None:
        lock_named(services.DESIGNATING)  # as ``set_risk_level``: one at a time

    def _open(self) -> dict[tuple, dict[str, Any]]:
        """Open designations by place; locked on PostgreSQL as ``set_risk_level`` locks."""
        found = self.ctx.cache.get("open_designations")
        if found is None:
            rows = (
                RiskDesignation.objects.select_for_update()
                .filter(effective_to__isnull=True)
                .order_by("effective_from")
                .values("pk", "area_id", "place_code", "place_name", "level_id", "effective_from")
            )
            found = self.ctx.cache["open_designations"] = {
                _identity(r["area_id"], r["place_code"], r["place_name"]): r for r in rows
            }
        return found

    def _area(self, code: str):
        """``(area, inside)`` of the platform's area with this code, or ``(None, False)``."""
        from fangkong.areas.models import Area

        cache = self.ctx.cache.setdefault("areas_by_code", {})
        if code not in cache:
            cache[code] = Area.objects.filter(code=code).only("pk", "path", "name").first()
        area = cache[code]
        if area is None:
            return None, False
        return area, area.path.startswith(self.ctx.area.path)

    def _place(self, values: dict[str, Any]) -> dict[str, Any]:
        """The row's place as designation fields; ``ValidationError`` by column."""
        code, name = values.get("place_code", ""), values.get("place_name", "")
        area = None
        if code:
            area, inside = self._area(code)
            if area is not None and not inside:
                # An area of the platform outside the import's area is not revealed.
                raise ValidationError({"place_code": _(AREA_NOT_FOUND)})
        place_name, place_code = services.check_place(area=area, place_name=name, place_code=code)
        if area is None and place_code:
            # The open designation of the same code may carry the name another list gave it.
            # A code listed twice under two names is one place (a duplicate row).
            current = self._open().get(("code", place_code))
            if current is not None:
                place_name = current["place_name"]
            else:
                names = self.ctx.cache.setdefault("names_by_code", {})
                place_name = names.setdefault(place_code, place_name)
        return {
            "area": area.pk if area is not None else None,
            "place_code": place_code,
            "place_name": place_name,
            "effective_to": None,
        }

    # --- rows ------------------------------------------------------------------------------

    def key_fields(self, values: dict[str, Any]) -> dict[str, Any] | None:
        try:
            fields = self._place(values)
        except ValidationError:
            return None  # ``build`` reports it
        # Named by the file even if the row is refused: such a place is never lifted.
        self.mentioned.add(self.identity(fields))
        return fields

    def build(self, values: dict[str, Any]) -> dict[str, Any]:
        if "effective_to" in values:
            raise ValidationError(
                {
                    "effective_to": _(
                        "这是已截止的历史认定，不能导入；要重新设定该地区的等级，"
                        "请清空截止时间并填写新的生效时间"
                    )
                }
            )
        fields = self._place(values)
        if fields["area"] is None and fields["place_code"]:
            # A new designation keeps the row's own name (``merge`` compares by code).
            fields["place_name"] = values.get("place_name", "")
        return {
            **fields,
            "level": values["level"],
            "effective_from": values.get("effective_from") or self.effective_from,
            "set_by": self.ctx.actor.pk,
            "reason": self.reason,
        }

    @staticmethod
    def identity(fields: dict[str, Any]) -> tuple:
        return _identity(fields["area"], fields["place_code"], fields["place_name"])

    def prepare_batch(self, rows: list[PendingRow]) -> None:
        """A place named twice is a duplicate row (found by the key in the importing
        process; this catches what rows evaluated by forked workers hid from one another)."""
        self._open()  # read before the batch writes
        for r in rows:
            place = self.identity(r.fields)
            first = self.named.setdefault(place, r.row)
            if first != r.row:
                r.reject(
                    "place_name",
                    _("与第 %(n)d 行%(col)s重复") % {"n": first, "col": _("地区名称")},
                )

    def merge(self, old: dict[str, Any], fields: dict[str, Any]) -> None:
        """The same level: nothing changes. Another: the open designation ends when the new
        one begins (created in ``after_batch``)."""
        new = dict(fields)
        fields.clear()
        # The record keeps its own place (a code's name as first listed).
        fields.update({name: old[name] for name in self.natural_key})
        if old["level"] == new["level"]:
            return
        services.check_supersedes(old["effective_from"], new["effective_from"])
        fields["effective_to"] = new["effective_from"]
        self.superseding[old["pk"]] = new

    def after_batch(self, rows: list[PendingRow]) -> None:
        """The new designation of each place whose level changed; what the batch changed."""
        current = {d["pk"] for d in self._open().values()}
        new = []
        for r in rows:
            if r.pk in self.superseding:
                new.append(self.superseding[r.pk])
                self.changed.add(r.pk)
            elif r.pk not in current:
                self.changed.add(r.pk)  # a place that had no open designation
        if new:
            pks = create_records(
                self.ctx, RiskDesignation, new, key=self.natural_key, object_repr=self.object_repr
            )
            self.changed.update(pks.values())

    def after_rows(self) -> None:
        """名单外地区解除: the external places the file does not name, lifted at its 生效时间
        (a dry run lists them; its rollback undoes the writes)."""
        if not self.lift:
            return
        when = self.effective_from
        unlisted = [
            d["pk"]
            for place, d in self._open().items()
            if place[0] != "area" and place not in self.named and place not in self.mentioned
        ]
        designations = list(
            RiskDesignation.objects.select_for_update()
            .filter(pk__in=unlisted, effective_to__isnull=True)
            .order_by("place_code", "place_name")
        )
        lifted, too_late = [], []
        events = self.ctx.cache["events"]
        for d in designations:
            try:
                services.check_end(d, when)
            except ValidationError:
                too_late.append(d.place_label)
                continue
            before = copy.copy(d)
            d.effective_to = when
            events.append(audit.event_for(d, AuditAction.UPDATE, changes=audit.diff(before, d)))
            lifted.append(d)
        RiskDesignation.objects.filter(pk__in=[d.pk for d in lifted]).update(effective_to=when)
        self.changed.update(d.pk for d in lifted)
        self.ctx.count("lifted", len(lifted))
        self.ctx.extra["lifted_places"] = [d.place_label for d in lifted[:LIFTED_SHOWN]]
        if too_late:
            self.ctx.warnings.append(
                _("以下名单外地区的认定晚于本次生效时间，未解除：%(places)s")
                % {"places": joined(too_late)}
            )

    def before_commit(self) -> None:
        """As ``set_risk_level``: the risk configuration changed, and the residents who came
        from a place whose level changed have their status recomputed once this commits."""
        if not self.changed:
            return
        generations.bump(generations.RISK)
        affected: set[int] = set()
        for d in RiskDesignation.objects.select_related("area").filter(pk__in=self.changed):
            affected.update(residents_matching_designation(d).values_list("pk", flat=True))
        recompute_in_background_on_commit(affected, cause=str(_("批量导入风险地区名单")))

    def audit_reason(self) -> str:
        return self.reason

    def object_repr(self, fields: dict[str, Any]) -> str:
        if fields.get("area") is not None:
            names = self.ctx.cache.setdefault("area_names", {})
            if fields["area"] not in names:
                from fangkong.areas.models import Area

                names[fields["area"]] = Area.objects.get(pk=fields["area"]).name
            return names[fields["area"]]
        return RiskDesignation(
            place_name=fields.get("place_name", ""), place_code=fields.get("place_code", "")
        ).place_label

    @classmethod
    def upload_url(cls, options: dict[str, Any]) -> str:
        from django.urls import reverse

        return reverse("risk:designation_import")

    @classmethod
    def result_html(cls, request, job) -> str:
        from django.template.loader import render_to_string

        result = job.result or {}
        if not (job.params.get("options") or {}).get("lift_unlisted"):
            return ""
        return render_to_string(
            "risk/includes/import_lifted.html",
            {
                "lifted": result.get("lifted", 0),
                "places": result.get("lifted_places", []),
                "dry_run": bool(result.get("dry_run")),
                "committed": bool(result.get("committed")),
            },
            request=request,
        )
