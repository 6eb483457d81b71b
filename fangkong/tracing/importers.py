"""Importing a case's named close contacts (流调指认名单导入): the list of people the
epidemiological investigation names, which epidemiologists hand over in Excel.

Each row is one person, matched by ID number to a resident already registered inside the
import's area (``health.importers.RegisteredResidentImporter``: nobody is created, and a
person living elsewhere is "not found", never revealed). An accepted row records what
``services.name_contact`` records for one person: a close contact of the case to verify
(待核实) and its ``named`` exposure, checked by the same rules
(``services.check_new_contact``).

The case and the basis (指认依据) come in the run's options:
``run_import("tracing.named_contact", path, ..., options={"case_id": 7, "reason": "…"})``.
A voided case, or one the actor cannot read, refuses the whole file. Every contact's 判定依据
is the basis, followed by the row's 接触情况 when it has one; every audit entry of the run
records the basis.

The key is the case, the person and the degree (close): a person who already is a close
contact of the case — found by tracing, named before, confirmed or dismissed — is counted
unchanged and left as it is, so importing the same list again changes nothing. A suspected
contact is no status fact (only confirmed ones are): as ``create_contact``, nothing is
recomputed.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_noop as N_

from fangkong.core.importing import (
    Column,
    ImportFileError,
    PendingRow,
    id_number_column,
    register,
)
from fangkong.core.importing import parsers as p
from fangkong.core.services import lock_rows
from fangkong.health.importers import NOT_FOUND, RegisteredResidentImporter

from . import services
from .choices import ContactDegree, ContactState
from .models import Case, Contact, Exposure

# 接触情况 as long as 指认依据 may be on the form (``forms.NamedContactForm``).
DETAIL_MAX_LENGTH = 500
# Where a service's error about a field is shown: the column it comes from.
COLUMN_OF_FIELD = {"resident": "id_number"}


def parse_exposure_date(value, ctx=None) -> datetime.date:
    """末次暴露日期: a date as ``parsers.parse_date`` reads it; a moment (a date-time cell,
    ``2022年4月10日 14时``) is taken as its date."""
    try:
        return p.parse_date(value, ctx)
    except ValidationError as e:
        error = e
    try:
        return timezone.localtime(p.parse_datetime(value, ctx)).date()
    except ValidationError:
        raise error from None


def named_reason(basis: str, detail: str = "") -> str:
    """判定依据 of an imported contact: the file's basis, then the row's 接触情况."""
    return f"{basis}；{detail}" if detail else basis


def case_for_import(ctx) -> Case:
    """The case named by ``ctx.options["case_id"]`` that the actor can read and that is not
    voided; ``ImportFileError`` otherwise (nothing is read)."""
    case_id = ctx.options.get("case_id")
    qs = Case.objects.all()
    if ctx.actor is not None:
        qs = qs.visible_to(ctx.actor)
    case = qs.filter(pk=case_id).first() if str(case_id or "").isdigit() else None
    if case is None:
        raise ImportFileError(_("未找到该病例"))
    try:
        services.require_not_voided(case)
    except ValidationError as e:
        raise ImportFileError(e.messages[0]) from None
    return case


@register
class NamedContactImporter(RegisteredResidentImporter):
    """流调指认名单: one row per person the investigation names as a close contact of a case."""

    key = "tracing.named_contact"
    model = Contact
    label = gettext_lazy("流调指认名单")
    permission = "tracing.add_contact"
    natural_key = ("resident", "case", "degree")
    columns = (
        Column(
            "name",
            N_("姓名"),
            ("人员姓名", "密接姓名", "密接人员姓名", "接触者姓名", "密切接触者姓名"),
            p.person_name(50),
            example="张三",
        ),
        id_number_column(help=N_("18 位居民身份证号，请设置为文本格式；须为本区域已登记的居民")),
        Column(
            "last_exposure",
            N_("末次暴露日期"),
            (
                "末次暴露时间",
                "末次接触日期",
                "末次接触时间",
                "最后接触日期",
                "最后接触时间",
                "接触日期",
                "接触时间",
                "暴露日期",
                "暴露时间",
            ),
            parse_exposure_date,
            required=True,
            help=N_("如 2022-04-10，不能晚于今天；填写日期时间的按其日期"),
            example="2022-04-10",
        ),
        Column(
            "detail",
            N_("接触情况"),
            ("接触方式", "接触地点", "接触场所", "接触经过", "暴露方式", "备注"),
            p.text(DETAIL_MAX_LENGTH),
            help=N_("如 同车出行、同桌就餐；记入判定依据，接在指认依据之后"),
            example="4月8日同车出行",
        ),
    )

    def __init__(self, ctx):
        super().__init__(ctx)
        self.case = case_for_import(ctx)
        try:
            self.reason = services.check_named_reason(ctx.options.get("reason") or "")
        except ValidationError as e:
            raise ImportFileError(e.messages[0]) from None
        self.matched: set[int] = set()  # stored contacts a row of the file names

    def begin(self) -> None:
        # As ``create_contact`` and ``trace_case``: the case's contacts, one at a time.
        lock_rows(Case, [self.case.pk])

    def key_fields(self, values: dict[str, Any]) -> dict[str, Any] | None:
        if (hit := self.registered(values)) is None:
            return None
        return {"resident": hit[0], "case": self.case.pk, "degree": ContactDegree.CLOSE.value}

    def build(self, values: dict[str, Any]) -> dict[str, Any]:
        if (hit := self.registered(values)) is None:
            raise ValidationError({"id_number": _(NOT_FOUND)})
        return {
            "resident": hit[0],
            # The resident's area, for the audit entry's path (not a column of the model).
            "resident__area": hit[1],
            "case": self.case.pk,
            "degree": ContactDegree.CLOSE.value,
            "last_exposure": values["last_exposure"],
            "reason": named_reason(self.reason, values.get("detail", "")),
            "state": ContactState.SUSPECTED.value,
        }

    def check(self, fields: dict[str, Any], values: dict[str, Any]) -> None:
        try:
            services.check_new_contact(
                case=self.case,
                resident_id=fields["resident"],
                degree=fields["degree"],
                last_exposure=fields["last_exposure"],
                today=self.ctx.today,
            )
        except ValidationError as e:
            raise ValidationError(
                {COLUMN_OF_FIELD.get(k, k): m for k, m in e.message_dict.items()}
            ) from None

    def merge(self, old: dict[str, Any], fields: dict[str, Any]) -> None:
        """A person already a close contact of the case is left as it is (its state, last
        exposure and basis are staff's, changed on the case page): counted unchanged."""
        for name in [n for n in fields if n not in self.natural_key]:
            if name != "resident__area":
                del fields[name]
        self.matched.add(old["pk"])

    def after_batch(self, rows: list[PendingRow]) -> None:
        """Each new contact's ``named`` exposure, as ``name_contact`` keeps it (not audited on
        its own there either: the contact's entry is)."""
        Exposure.objects.bulk_create(
            [
                services.named_exposure(r.pk, self.case, r.fields["last_exposure"])
                for r in rows
                if r.pk not in self.matched
            ],
            batch_size=1000,
        )

    def before_commit(self) -> None:
        """A case voided while the file was read: nothing is recorded against it."""
        case_for_import(self.ctx)

    def audit_reason(self) -> str:
        return self.reason

    @classmethod
    def upload_url(cls, options: dict[str, Any]) -> str:
        from django.urls import reverse

        case_id = options.get("case_id")
        return reverse("tracing:named_contact_import", args=[case_id]) if case_id else ""

    def object_repr(self, fields: dict[str, Any]) -> str:
        # As a contact saved by ``create_contact`` shows in the audit trail (``Contact.__str__``).
        return f"{ContactDegree(fields['degree']).label} {fields['case']}"
