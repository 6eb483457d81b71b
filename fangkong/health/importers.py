"""Importing lists into the health module: nucleic-acid test results from a testing
institution (核酸检测结果导入) and the quarantine/monitoring lists a command office sends
(协查名单: 隔离/监测安排导入).

Rows are matched to residents already registered inside the import's area by ID number
(blind index); nobody is created. The rules are those of ``services.record_nat_result``: a
sample is identified by resident, sampling time and institution; sending it again changes
nothing, a pending sample takes its result, and a result never changes into another one.
An assignment follows ``services.create_assignment`` and ``services.change_assignment``
(see ``AssignmentImporter``).
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

from . import services
from .choices import CATEGORY_KINDS, AssignmentKind, AssignmentState, NatResult
from .models import Assignment, NucleicAcidTest

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


class RegisteredResidentImporter(Importer):
    """Rows about residents already registered inside the import's area, named by their ID
    number (``resident_lookup``): nobody is created, and a person living elsewhere is
    "not found", never revealed."""

    key_column = "id_number"

    def registered(self, values: dict[str, Any]) -> tuple[int, int] | None:
        """``(resident pk, area pk)`` of the row's resident, or ``None``."""
        ident = values.get("id_number")
        return resident_lookup(self.ctx, ident[0]) if ident else None

    # The status cause of the residents whose facts the file changed
    # (``ctx.cache["affected_residents"]``), recomputed in the background once the import
    # has committed; ``None``: the rows are no status fact.
    recompute_cause = None

    def foreign_row_message(self) -> str:
        return _(NOT_FOUND)

    def after_commit(self, result) -> None:
        if self.recompute_cause is None:
            return
        from fangkong.status.services import recompute_in_background_on_commit

        recompute_in_background_on_commit(
            self.ctx.cache.get("affected_residents", ()), cause=str(self.recompute_cause)
        )


@register
class NucleicAcidTestImporter(RegisteredResidentImporter):
    """核酸检测结果: one row per sample, for residents already registered in the area."""

    key = "health.nucleic_acid_test"
    model = NucleicAcidTest
    label = gettext_lazy("核酸检测结果")
    permission = "health.add_nucleicacidtest"
    recompute_cause = gettext_lazy("批量导入核酸检测结果")
    natural_key = ("resident", "sampled_at", "institution")
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
        if "sampled_at" not in values or "institution" not in values:
            return None
        if (hit := self.registered(values)) is None:
            return None
        return {
            "resident": hit[0],
            "sampled_at": values["sampled_at"],
            "institution": values["institution"],
        }

    def build(self, values: dict[str, Any]) -> dict[str, Any]:
        if (hit := self.registered(values)) is None:
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

    @classmethod
    def upload_url(cls, options: dict[str, Any]) -> str:
        from django.urls import reverse

        return reverse("health:nat_import")

    def object_repr(self, fields: dict[str, Any]) -> str:
        result = fields.get("result")
        label = NatResult(result).label if result else ""
        return f"{fields['sampled_at']:%Y-%m-%d %H:%M} {label}".strip()


# Kinds as command offices' lists write them (管控措施): short forms and the older names.
KIND_ALIASES = {
    "居家": AssignmentKind.HOME_QUARANTINE,
    "居家隔离观察": AssignmentKind.HOME_QUARANTINE,
    "居家医学观察": AssignmentKind.HOME_QUARANTINE,
    "集中": AssignmentKind.CENTRAL_QUARANTINE,
    "集中隔离观察": AssignmentKind.CENTRAL_QUARANTINE,
    "集中医学观察": AssignmentKind.CENTRAL_QUARANTINE,
    "监测": AssignmentKind.HEALTH_MONITORING,
    "居家健康监测": AssignmentKind.HEALTH_MONITORING,
    "出院后随访": AssignmentKind.POST_DISCHARGE,
    "出院随访": AssignmentKind.POST_DISCHARGE,
    "随访监测": AssignmentKind.POST_DISCHARGE,
}
RELEASED = N_("该居民同一类型、同一开始日期的安排已解除，导入不会修改或重新启用已解除的安排")


def _category(kind: str) -> str:
    return next(c for c, kinds in CATEGORY_KINDS.items() if kind in kinds)


@register
class AssignmentImporter(RegisteredResidentImporter):
    """隔离/监测安排 (协查名单): one row per person and arrangement, for residents already
    registered in the area, checked by the rules of ``services.create_assignment``.

    An arrangement is identified by resident, kind and start date: the same list imported
    again changes nothing, a later 结束日期 extends it (as 修改 does), an earlier one is
    refused (ending early is a release, with its note), and a released one stays released.
    """

    key = "health.assignment"
    model = Assignment
    label = gettext_lazy("隔离/监测安排")
    permission = "health.add_assignment"
    recompute_cause = gettext_lazy("批量导入隔离/监测安排")
    natural_key = ("resident", "kind", "start_date")
    columns = (
        Column(
            "name",
            N_("姓名"),
            ("人员姓名", "被隔离人", "隔离人员姓名", "监测对象姓名"),
            p.person_name(50),
            example="张三",
        ),
        id_number_column(help=N_("18 位居民身份证号，请设置为文本格式；须为本区域已登记的居民")),
        Column(
            "kind",
            N_("类型"),
            ("管控措施", "管理方式", "管控方式", "隔离方式", "隔离类型", "管控类型", "措施"),
            p.choice(AssignmentKind, extra=KIND_ALIASES),
            required=True,
            help=N_("居家隔离、集中隔离、健康监测或出院后随访监测，也可简写为居家、集中、监测"),
            example="居家隔离",
        ),
        Column(
            "start_date",
            N_("开始日期"),
            (
                "开始时间",
                "起始日期",
                "隔离开始日期",
                "隔离开始时间",
                "监测开始日期",
                "管控开始日期",
            ),
            p.parse_date,
            required=True,
            help=N_("如 2020-02-14"),
            example="2020-02-14",
        ),
        Column(
            "end_date",
            N_("结束日期"),
            (
                "结束时间",
                "截止日期",
                "隔离结束日期",
                "隔离结束时间",
                "监测结束日期",
                "预计解除日期",
            ),
            p.parse_date,
            required=True,
            help=N_("不能早于开始日期；再次导入时可以延后，不能提前"),
            example="2020-02-28",
        ),
        Column(
            "place",
            N_("隔离/监测地点"),
            ("隔离地点", "监测地点", "隔离场所", "隔离点", "隔离地址"),
            p.text(200),
            example="集中隔离点 3 号楼",
        ),
        Column(
            "doctor",
            N_("责任医生"),
            ("医生", "负责医生", "签约医生", "家庭医生"),
            p.text(50),
            example="李医生",
        ),
        Column(
            "responsible",
            N_("责任网格员"),
            ("网格员", "网格员账号", "责任网格员账号"),
            p.text(150),
            help=N_("网格员的登录账号；不填时由该居民所在网格唯一的网格员负责"),
            example="grid01",
            as_text=True,
        ),
    )

    def __init__(self, ctx):
        super().__init__(ctx)
        self.matched: set[int] = set()  # stored assignments a row of the file names
        self.extended: set[int] = set()  # …of which the row sets a later end date
        # The file's accepted periods per person and category: (start, end, row, kind).
        self.periods: dict[tuple[int, str], list[tuple]] = {}

    def _account(self, username: str) -> int | None:
        """An account the importer can see, by login name (inactive ones too, so that the
        service's check says why it cannot be named)."""
        from fangkong.accounts.models import User

        cache: dict[str, int | None] = self.ctx.cache.setdefault("accounts", {})
        if username not in cache:
            qs = User.objects.filter(username=username)
            qs = (
                qs.in_area(self.ctx.area)
                if self.ctx.actor is None
                else qs.visible_to(self.ctx.actor)
            )
            cache[username] = qs.values_list("pk", flat=True).first()
        return cache[username]

    def key_fields(self, values: dict[str, Any]) -> dict[str, Any] | None:
        if "kind" not in values or "start_date" not in values:
            return None
        if (hit := self.registered(values)) is None:
            return None
        return {"resident": hit[0], "kind": values["kind"], "start_date": values["start_date"]}

    def build(self, values: dict[str, Any]) -> dict[str, Any]:
        errors = {}
        if (hit := self.registered(values)) is None:
            errors["id_number"] = _(NOT_FOUND)
        responsible = None
        if "responsible" in values:
            responsible = self._account(values["responsible"])
            if responsible is None:
                errors["responsible"] = _("未找到账号“%(v)s”（本区域内）") % {
                    "v": values["responsible"][:30]
                }
        if errors:
            raise ValidationError(errors)
        return {
            "resident": hit[0],
            # The resident's area, for the audit entry's path (not a column of the model).
            "resident__area": hit[1],
            "kind": values["kind"],
            "start_date": values["start_date"],
            "end_date": values["end_date"],
            "place": values.get("place", ""),
            "doctor": values.get("doctor", ""),
            "responsible": responsible,
        }

    def check(self, fields: dict[str, Any], values: dict[str, Any]) -> None:
        services.check_period(
            fields["kind"], fields["start_date"], fields["end_date"], today=self.ctx.today
        )

    def prepare_batch(self, rows: list[PendingRow]) -> None:
        """The rules that need the database, in file order: a new arrangement's (responsible
        account, no overlap with a running one), a stored one's (a later end date only), and
        no two rows of the file overlapping for one person in one category."""
        from fangkong.accounts.models import User
        from fangkong.registry.models import Resident

        from .selectors import sole_grid_workers

        resident_ids = {r.fields["resident"] for r in rows}
        residents = Resident.objects.select_related("area").in_bulk(resident_ids)
        accounts = User.objects.in_bulk({r.fields["responsible"] for r in rows} - {None})
        stored: dict[tuple, list[Assignment]] = {}
        # Locked as ``create_assignment`` and ``change_assignment`` lock them: the residents
        # (no one else's new arrangement slips in between the check and the write), then
        # their stored arrangements (a release meanwhile is not extended over).
        services.lock_assignment_residents(resident_ids)
        mine = Assignment.objects.select_for_update().filter(resident_id__in=resident_ids)
        for a in mine.order_by("pk"):
            stored.setdefault((a.resident_id, a.kind, a.start_date), []).append(a)
        # As ``tracing.quarantine_contacts``: no one named, the grid's sole worker follows up.
        sole = sole_grid_workers({r.fields["resident__area"] for r in rows})
        for r in rows:
            f = r.fields
            resident = residents[f["resident"]]
            same = stored.get((f["resident"], f["kind"], f["start_date"]), [])
            try:
                if len(same) > 1:
                    raise ValidationError(
                        {
                            "start_date": _(
                                "该居民有多条同一类型、同一开始日期的安排，请在页面上逐条办理"
                            )
                        }
                    )
                if same:
                    if same[0].state != AssignmentState.ACTIVE:
                        raise ValidationError({"start_date": _(RELEASED)})
                    services.check_new_end_date(same[0], f["end_date"])
                else:
                    if f["responsible"] is None and resident.area_id in sole:
                        worker = sole[resident.area_id]
                        f["responsible"], accounts[worker.pk] = worker.pk, worker
                    services.check_new_assignment(
                        resident=resident,
                        kind=f["kind"],
                        start_date=f["start_date"],
                        end_date=f["end_date"],
                        responsible=accounts.get(f["responsible"]),
                        today=self.ctx.today,
                    )
                self._check_within_file(r)
            except ValidationError as e:
                for key, messages in e.message_dict.items():
                    r.reject(key, messages[0])

    def _check_within_file(self, r: PendingRow) -> None:
        f = r.fields
        periods = self.periods.setdefault((f["resident"], _category(f["kind"])), [])
        for start, end, row, kind in periods:
            if start <= f["end_date"] and f["start_date"] <= end:
                raise ValidationError(
                    {
                        "start_date": _("与第 %(n)d 行该居民的%(kind)s安排时间重叠")
                        % {"n": row, "kind": AssignmentKind(kind).label}
                    }
                )
        periods.append((f["start_date"], f["end_date"], r.row, f["kind"]))

    def merge(self, old: dict[str, Any], fields: dict[str, Any]) -> None:
        """A stored arrangement takes only a later end date (``prepare_batch`` checked it);
        its place, doctor and 责任网格员 are changed on its page (修改, 网格员交接)."""
        if old["state"] != AssignmentState.ACTIVE:  # kept by ``prepare_batch``; a guard
            raise ValidationError({"start_date": _(RELEASED)})
        for name in [n for n in fields if n not in (*self.natural_key, "end_date")]:
            if name != "resident__area":
                del fields[name]
        self.matched.add(old["pk"])
        if fields["end_date"] != old["end_date"]:
            self.extended.add(old["pk"])

    def after_batch(self, rows: list[PendingRow]) -> None:
        from fangkong.status.services import end_overrides_for_new_fact

        affected: set[int] = self.ctx.cache.setdefault("affected_residents", set())
        new = sorted({r.fields["resident"] for r in rows if r.pk not in self.matched})
        affected.update(new)
        affected.update(r.fields["resident"] for r in rows if r.pk in self.extended)
        if new:
            # As ``services.create_assignment``: a new quarantine or monitoring ends a running
            # non-red override (in the import's transaction, so a dry run changes nothing).
            end_overrides_for_new_fact(new, cause=_("新增隔离/监测安排"), actor=self.ctx.actor)

    @classmethod
    def upload_url(cls, options: dict[str, Any]) -> str:
        from django.urls import reverse

        return reverse("health:assignment_import")

    def object_repr(self, fields: dict[str, Any]) -> str:
        return f"{AssignmentKind(fields['kind']).label} {fields['start_date']:%Y-%m-%d}"
