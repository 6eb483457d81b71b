"""Importing nucleic-acid test results from a testing institution's list (核酸检测结果导入).

Rows are matched to residents already registered inside the import's area by ID number
(blind index); nobody is created. The rules are those of ``services.record_nat_result``: a
sample is identified by resident, sampling time and institution; sending it again changes
nothing, a pending sample takes its result, and a result never changes into another one.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_noop as N_

from fangkong.core.importing import Column, Importer, PendingRow, id_number_column, register
from fangkong.core.importing import parsers as p
from fangkong.core.personal import index_value

from .choices import NatResult
from .models import NucleicAcidTest

NOT_FOUND = N_("未找到该身份证号的居民（本区域内）")
# Residents looked up by blind index are cached per run, up to this many.
RESIDENT_CACHE = 100_000


def resident_lookup(ctx, number: str) -> tuple[int, int] | None:
    """``(resident pk, area pk)`` of the resident with this ID number inside the import's
    area, or ``None``. A resident registered elsewhere is "not found" here: the import must
    not reveal who lives outside the importer's area."""
    from fangkong.registry.models import Resident

    cache: dict[str, tuple[int, int] | None] = ctx.cache.setdefault("residents_by_id", {})
    if number in cache:
        return cache[number]
    if len(cache) >= RESIDENT_CACHE:
        cache.clear()
    index = index_value(number, kind="id_number", purpose="id")
    hit = (
        Resident.objects.in_area(ctx.area)
        .filter(id_number_index=index)
        .values_list("pk", "area_id")
        .first()
    )
    cache[number] = hit
    return hit


@register
class NucleicAcidTestImporter(Importer):
    """核酸检测结果: one row per sample, for residents already registered in the area."""

    key = "health.nucleic_acid_test"
    model = NucleicAcidTest
    label = gettext_lazy("核酸检测结果")
    permission = "health.add_nucleicacidtest"
    natural_key = ("resident", "sampled_at", "institution")
    key_column = "id_number"
    columns = (
        Column(
            "name",
            N_("姓名"),
            ("受检者姓名", "受检人", "被检测人"),
            p.person_name(50),
            example="张三",
        ),
        id_number_column(help=N_("18 位居民身份证号，请设置为文本格式；须为本区域已登记的居民")),
        Column(
            "sampled_at",
            N_("采样时间"),
            ("采样日期", "采集时间", "采样日期时间", "采样时刻"),
            p.parse_datetime,
            required=True,
            help=N_("如 2020-02-14 10:30"),
            example="2020-02-14 10:30",
        ),
        Column(
            "result",
            N_("检测结果"),
            ("结果", "核酸结果", "核酸检测结果", "检测结论"),
            p.choice(
                NatResult,
                extra={
                    "待出": NatResult.PENDING,
                    "待检": NatResult.PENDING,
                    "未出": NatResult.PENDING,
                    "阴": NatResult.NEGATIVE,
                    "阳": NatResult.POSITIVE,
                    "阴性(-)": NatResult.NEGATIVE,
                    "阳性(+)": NatResult.POSITIVE,
                },
            ),
            required=True,
            help=N_("阴性、阳性或待出"),
            example="阴性",
        ),
        Column(
            "institution",
            N_("检测机构"),
            ("检测单位", "检测医院", "采样机构", "机构名称"),
            p.text(100),
            required=True,
            example="市疾控中心",
        ),
        Column(
            "reported_at",
            N_("报告时间"),
            ("报告日期", "出报告时间", "结果时间"),
            p.parse_datetime,
            help=N_("不填表示尚未出报告"),
            example="2020-02-15 08:00",
        ),
    )

    def key_fields(self, values: dict[str, Any]) -> dict[str, Any] | None:
        ident = values.get("id_number")
        if not ident or "sampled_at" not in values or "institution" not in values:
            return None
        hit = resident_lookup(self.ctx, ident[0])
        if hit is None:
            return None
        return {
            "resident": hit[0],
            "sampled_at": values["sampled_at"],
            "institution": values["institution"],
        }

    def build(self, values: dict[str, Any]) -> dict[str, Any]:
        hit = resident_lookup(self.ctx, values["id_number"][0])
        if hit is None:
            raise ValidationError({"id_number": _(NOT_FOUND)})
        return {
            "resident": hit[0],
            # The resident's area, for the audit entry's path (not a column of the model).
            "resident__area": hit[1],
            "sampled_at": values["sampled_at"],
            "result": values["result"],
            "institution": values["institution"],
            "reported_at": values.get("reported_at"),
        }

    def check(self, fields: dict[str, Any], values: dict[str, Any]) -> None:
        if fields["sampled_at"] > self.ctx.now:
            raise ValidationError({"sampled_at": _("采样时间不能晚于当前时间")})
        reported = fields["reported_at"]
        if reported is not None and reported < fields["sampled_at"]:
            raise ValidationError({"reported_at": _("报告时间不能早于采样时间")})

    def merge(self, old: dict[str, Any], fields: dict[str, Any]) -> None:
        """The same sample again changes nothing; a pending one takes its result."""
        if old["result"] == fields["result"]:
            fields.pop("result")
            fields.pop("reported_at")
            return
        if old["result"] != NatResult.PENDING:
            raise ValidationError({"result": _("该样本已有检测结果，不能改为其他结果")})

    def after_batch(self, rows: list[PendingRow]) -> None:
        from fangkong.status.services import end_overrides_for_new_fact

        affected: set[int] = self.ctx.cache.setdefault("affected_residents", set())
        positive: set[int] = set()
        for r in rows:
            # "result" is left out of an unchanged sample by ``merge``.
            result = r.fields.get("result", NatResult.PENDING)
            if result != NatResult.PENDING:
                affected.add(r.fields["resident"])
            if result == NatResult.POSITIVE:
                positive.add(r.fields["resident"])
        if positive:
            # As ``services.record_nat_result``: a new positive ends a running non-red
            # override (in the import's transaction, so a dry run changes nothing).
            end_overrides_for_new_fact(sorted(positive), cause=_("核酸阳性"), actor=self.ctx.actor)

    def after_commit(self, result) -> None:
        from django.db import transaction

        from fangkong.status.tasks import recompute_residents_status

        ids = sorted(self.ctx.cache.get("affected_residents", ()))
        if not ids:
            return
        cause = str(_("批量导入核酸检测结果"))
        transaction.on_commit(lambda: recompute_residents_status.enqueue(ids, cause))

    @classmethod
    def upload_url(cls, options: dict[str, Any]) -> str:
        from django.urls import reverse

        return reverse("health:nat_import")

    def object_repr(self, fields: dict[str, Any]) -> str:
        result = fields.get("result")
        label = NatResult(result).label if result else ""
        return f"{fields['sampled_at']:%Y-%m-%d %H:%M} {label}".strip()

    def foreign_row_message(self) -> str:
        return _(NOT_FOUND)
