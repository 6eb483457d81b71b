"""Every write to enterprises and their records goes through these functions.

Each checks the permission and the actor's reach (``require_enterprise``: area subtree for
office staff, the binding for enterprise accounts and liaison officers), validates with
Chinese messages naming the field, writes and appends the audit entry in one transaction.
"""

from __future__ import annotations

import copy
import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.choices import Role
from fangkong.core import audit
from fangkong.core.scoping import area_visible_to
from fangkong.core.services import (
    audited_create,
    audited_delete,
    lock_rows,
    lock_versioned,
    merged_for_update,
    refuse_duplicate,
    require_area,
    require_perm,
    save_versioned,
)
from fangkong.core.validators import validate_phone

from .choices import ApplicationState, DifficultyState, ProblemState, ResumptionState
from .models import (
    DailyReport,
    Difficulty,
    Employee,
    Enterprise,
    EnterpriseAccount,
    IndustrialPark,
    Inspection,
    InspectionProblem,
    LiaisonAssignment,
    ReportReminder,
    ResumptionApplication,
)
from .rules import check_enterprise_area, check_not_negative, clean_credit_code
from .scoping import active_assignment_q


def require_enterprise(actor, enterprise: Enterprise) -> None:
    """The actor reaches this enterprise (area subtree, account or running assignment)."""
    if not Enterprise.objects.visible_to(actor).filter(pk=enterprise.pk).exists():
        raise PermissionDenied(_("该企业不在您的管辖范围内"))


def _save_update(actor, obj, before, fields: dict[str, Any]):
    """Write ``fields`` (and the next version) on ``obj``; ``before`` is the locked copy."""
    update_fields = [*fields, "version", "updated_at"]
    return save_versioned(actor, obj, before, fields, update_fields=update_fields)


# --- parks ------------------------------------------------------------------------------


def _clean_park(data: dict[str, Any], *, exclude_pk=None) -> dict[str, Any]:
    name = (data.get("name") or "").strip()
    if not name:
        raise ValidationError({"name": _("园区名称不能为空")})
    refuse_duplicate(
        IndustrialPark.objects.filter(area=data.get("area"), name=name),
        exclude_pk=exclude_pk,
        field="name",
        message=_("该区域已有同名园区"),
    )
    return {"area": data.get("area"), "name": name, "notes": data.get("notes", "")}


def create_park(*, actor, data: dict[str, Any]) -> IndustrialPark:
    require_perm(actor, "enterprises.add_industrialpark")
    require_area(actor, data.get("area"))
    fields = _clean_park(data)
    with transaction.atomic():
        return audited_create(actor, IndustrialPark, **fields)


def update_park(
    *, actor, industrialpark: IndustrialPark, data: dict[str, Any], expected_version
) -> IndustrialPark:
    require_perm(actor, "enterprises.change_industrialpark")
    require_area(actor, industrialpark.area)
    merged = {"area": industrialpark.area, "name": industrialpark.name, "notes": ""} | data
    require_area(actor, merged["area"])
    fields = _clean_park(merged, exclude_pk=industrialpark.pk)
    with transaction.atomic():
        before = lock_versioned(industrialpark, expected_version)
        return _save_update(actor, industrialpark, before, fields)


def delete_park(*, actor, industrialpark: IndustrialPark, reason: str = "") -> None:
    require_perm(actor, "enterprises.delete_industrialpark")
    require_area(actor, industrialpark.area)
    if industrialpark.enterprises.exists():
        raise ValidationError(_("园区内还有企业，请先将企业移出园区"))
    audited_delete(actor, industrialpark, reason=reason)


# --- enterprises ------------------------------------------------------------------------

ENTERPRISE_FIELDS = (
    "area",
    "park",
    "name",
    "credit_code",
    "sector",
    "headcount",
    "contact_name",
    "contact_phone",
    "address",
    "notes",
)


def clean_enterprise(data: dict[str, Any], *, exclude_pk=None) -> dict[str, Any]:
    data = {k: data.get(k) for k in ENTERPRISE_FIELDS if k in data}
    check_enterprise_area(data.get("area"))
    data["name"] = (data.get("name") or "").strip()
    if not data["name"]:
        raise ValidationError({"name": _("企业名称不能为空")})
    data["credit_code"] = clean_credit_code(data.get("credit_code"))
    if not data.get("sector"):
        raise ValidationError({"sector": _("请选择行业")})
    check_not_negative(data, "headcount")
    try:
        data["contact_phone"] = validate_phone(data.get("contact_phone"))
    except ValidationError as e:
        raise ValidationError({"contact_phone": e.messages}) from None
    park = data.get("park")
    if park is not None and not data["area"].path.startswith(park.area.path):
        raise ValidationError({"park": _("所选园区不在该企业所属区域内")})
    refuse_duplicate(
        Enterprise.objects.filter(credit_code=data["credit_code"]),
        exclude_pk=exclude_pk,
        field="credit_code",
        message=_("该统一社会信用代码已登记，请勿重复录入"),
    )
    for key in ("contact_name", "address", "notes"):
        data[key] = (data.get(key) or "").strip()
    return data


def create_enterprise(*, actor, data: dict[str, Any]) -> Enterprise:
    require_perm(actor, "enterprises.add_enterprise")
    require_area(actor, data.get("area"))
    fields = clean_enterprise(data)
    with transaction.atomic():
        return audited_create(actor, Enterprise, **fields)


def update_enterprise(
    *, actor, enterprise: Enterprise, data: dict[str, Any], expected_version
) -> Enterprise:
    merged = merged_for_update(
        actor, enterprise, ENTERPRISE_FIELDS, data, perm="enterprises.change_enterprise"
    )
    fields = clean_enterprise(merged, exclude_pk=enterprise.pk)
    with transaction.atomic():
        before = lock_versioned(enterprise, expected_version)
        return _save_update(actor, enterprise, before, fields)


def delete_enterprise(*, actor, enterprise: Enterprise, reason: str = "") -> None:
    require_perm(actor, "enterprises.delete_enterprise")
    require_area(actor, enterprise.area)
    audited_delete(actor, enterprise, reason=reason)


# --- binding enterprise users -----------------------------------------------------------


def _check_enterprise_user(actor, user, enterprise: Enterprise) -> None:
    require_perm(actor, "enterprises.manage_liaison")
    require_area(actor, enterprise.area)
    if user.role != Role.ENTERPRISE_LIAISON:
        raise ValidationError({"user": _("该账号的角色不是企业联络员")})
    # Their imports and pages run inside their own area too: the enterprise must lie in it.
    if not area_visible_to(enterprise.area, user):
        raise ValidationError({"user": _("该账号的所属区域不包含该企业，请先调整账号的所属区域")})


def bind_enterprise_account(*, actor, user, enterprise: Enterprise) -> EnterpriseAccount:
    """企业账号: the user speaks for this one enterprise (replacing an earlier binding)."""
    _check_enterprise_user(actor, user, enterprise)
    with transaction.atomic():
        old = EnterpriseAccount.objects.filter(user=user).first()
        if old is not None:
            audit.record_delete(actor, old, reason=_("改绑企业"))
            old.delete()
        return audited_create(actor, EnterpriseAccount, user=user, enterprise=enterprise)


def assign_liaison(
    *,
    actor,
    enterprise: Enterprise,
    liaison,
    start_date: datetime.date,
    end_date: datetime.date | None = None,
    notes: str = "",
) -> LiaisonAssignment:
    _check_enterprise_user(actor, liaison, enterprise)
    if start_date is None:
        raise ValidationError({"start_date": _("请填写派驻开始日期")})
    if end_date is not None and end_date < start_date:
        raise ValidationError({"end_date": _("派驻结束日期不能早于开始日期")})
    with transaction.atomic():
        lock_rows(Enterprise, [enterprise.pk])  # two offices posting them at once: one row
        overlapping = LiaisonAssignment.objects.filter(
            enterprise=enterprise, liaison=liaison
        ).filter(active_assignment_q(start_date))
        if overlapping.exists():
            raise ValidationError({"liaison": _("该联络员已派驻到该企业")})
        return audited_create(
            actor,
            LiaisonAssignment,
            enterprise=enterprise,
            liaison=liaison,
            start_date=start_date,
            end_date=end_date,
            notes=notes,
        )


def end_liaison_assignment(
    *, actor, liaisonassignment: LiaisonAssignment, end_date: datetime.date, expected_version
) -> LiaisonAssignment:
    require_perm(actor, "enterprises.manage_liaison")
    require_area(actor, liaisonassignment.enterprise.area)
    if end_date < liaisonassignment.start_date:
        raise ValidationError({"end_date": _("派驻结束日期不能早于开始日期")})
    with transaction.atomic():
        before = lock_versioned(liaisonassignment, expected_version)
        return _save_update(actor, liaisonassignment, before, {"end_date": end_date})


# --- resumption applications (复工申请) ----------------------------------------------------

APPLICATION_FIELDS = (
    "employees_expected",
    "prevention_plan",
    "masks",
    "thermometers",
    "disinfectant_kg",
    "has_isolation_room",
)


def _clean_application(data: dict[str, Any]) -> dict[str, Any]:
    fields = {k: data[k] for k in APPLICATION_FIELDS if k in data}
    if fields.get("employees_expected") in (None, ""):
        raise ValidationError({"employees_expected": _("请填写预计返岗人数")})
    check_not_negative(fields, "employees_expected", "masks", "thermometers", "disinfectant_kg")
    fields["prevention_plan"] = (fields.get("prevention_plan") or "").strip()
    if not fields["prevention_plan"]:
        raise ValidationError({"prevention_plan": _("请填写防控方案")})
    fields["has_isolation_room"] = bool(fields.get("has_isolation_room"))
    return fields


def _set_enterprise_state(actor, enterprise: Enterprise, state: str, *, day=None) -> None:
    """The enterprise's resumption status follows its latest application (same transaction)."""
    before = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    current = copy.copy(before)
    fields = {"resumption_state": state}
    if state == ResumptionState.RESUMED:
        fields["resumed_on"] = day
    _save_update(actor, current, before, fields)
    enterprise.resumption_state, enterprise.resumed_on = (
        current.resumption_state,
        current.resumed_on,
    )
    enterprise.version = current.version


def submit_application(
    *, actor, enterprise: Enterprise, data: dict[str, Any]
) -> ResumptionApplication:
    """The enterprise (or its liaison) applies to resume work; the office reviews it."""
    require_perm(actor, "enterprises.add_resumptionapplication")
    require_enterprise(actor, enterprise)
    fields = _clean_application(data)
    with transaction.atomic():
        current = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
        if current.resumption_state == ResumptionState.PENDING:
            raise ValidationError(_("该企业已有待审批的复工申请，请等待审批"))
        if current.resumption_state == ResumptionState.RESUMED:
            raise ValidationError(_("该企业已批准复工，无需再次申请"))
        application = audited_create(
            actor,
            ResumptionApplication,
            enterprise=enterprise,
            submitted_by=actor,
            submitted_at=timezone.now(),
            state=ApplicationState.SUBMITTED,
            **fields,
        )
        _set_enterprise_state(actor, enterprise, ResumptionState.PENDING)
    return application


def _review(
    actor, application: ResumptionApplication, expected_version, fields: dict[str, Any]
) -> ResumptionApplication:
    require_perm(actor, "enterprises.review_resumptionapplication")
    require_area(actor, application.enterprise.area)
    with transaction.atomic():
        before = lock_versioned(application, expected_version)
        if before.state != ApplicationState.SUBMITTED:
            raise ValidationError(
                _("该申请当前状态为“%(state)s”，不能审批") % {"state": before.get_state_display()}
            )
        now = timezone.now()
        _save_update(
            actor, application, before, fields | {"reviewed_by": actor, "reviewed_at": now}
        )
        state = (
            ResumptionState.RESUMED
            if fields["state"] == ApplicationState.APPROVED
            else ResumptionState.RETURNED
        )
        _set_enterprise_state(actor, application.enterprise, state, day=timezone.localdate(now))
    return application


def approve_application(
    *, actor, application: ResumptionApplication, conditions: str = "", expected_version
) -> ResumptionApplication:
    """批准复工, optionally with conditions the enterprise must keep."""
    return _review(
        actor,
        application,
        expected_version,
        {"state": ApplicationState.APPROVED, "conditions": (conditions or "").strip()},
    )


def return_application(
    *, actor, application: ResumptionApplication, note: str, expected_version
) -> ResumptionApplication:
    """退回: the enterprise must fix what the note says and submit again."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"review_note": _("退回时请写明原因")})
    return _review(
        actor,
        application,
        expected_version,
        {"state": ApplicationState.RETURNED, "review_note": note},
    )


# --- employees --------------------------------------------------------------------------

EMPLOYEE_FIELDS = ("name", "id_number", "phone", "department", "returning_from", "notes")


def clean_employee(
    enterprise: Enterprise, data: dict[str, Any], *, exclude_pk=None
) -> dict[str, Any]:
    from fangkong.core.personal import index_value
    from fangkong.core.validators import validate_id_number

    fields = {k: data.get(k) or "" for k in EMPLOYEE_FIELDS}
    fields["name"] = fields["name"].strip()
    if not fields["name"]:
        raise ValidationError({"name": _("姓名不能为空")})
    try:
        fields["id_number"] = validate_id_number(fields["id_number"])[0]
    except ValidationError as e:
        raise ValidationError({"id_number": e.messages}) from None
    try:
        fields["phone"] = validate_phone(fields["phone"])
    except ValidationError as e:
        raise ValidationError({"phone": e.messages}) from None
    refuse_duplicate(
        Employee.objects.filter(
            enterprise=enterprise,
            id_number_index=index_value(fields["id_number"], kind="id_number", purpose="id"),
        ),
        exclude_pk=exclude_pk,
        field="id_number",
        message=_("该职工已在本企业花名册中"),
    )
    return fields


def create_employee(*, actor, enterprise: Enterprise, data: dict[str, Any]) -> Employee:
    require_perm(actor, "enterprises.add_employee")
    require_enterprise(actor, enterprise)
    fields = clean_employee(enterprise, data)
    with transaction.atomic():
        return audited_create(actor, Employee, enterprise=enterprise, **fields)


def update_employee(
    *, actor, employee: Employee, data: dict[str, Any], expected_version
) -> Employee:
    require_perm(actor, "enterprises.change_employee")
    require_enterprise(actor, employee.enterprise)
    merged = {f: getattr(employee, f) for f in EMPLOYEE_FIELDS} | dict(data)
    fields = clean_employee(employee.enterprise, merged, exclude_pk=employee.pk)
    with transaction.atomic():
        before = lock_versioned(employee, expected_version)
        return _save_update(actor, employee, before, fields)


def delete_employee(*, actor, employee: Employee, reason: str = "") -> None:
    require_perm(actor, "enterprises.delete_employee")
    require_enterprise(actor, employee.enterprise)
    audited_delete(actor, employee, reason=reason)


# --- daily reports (日报) and reminders ----------------------------------------------------

REPORT_FIELDS = (
    "date",
    "people_on_site",
    "temperature_checks",
    "abnormal_temperatures",
    "disinfection_done",
    "notes",
)


def _clean_report(data: dict[str, Any]) -> dict[str, Any]:
    """The figures of a daily report, checked (the date is the caller's)."""
    fields = {k: data.get(k) for k in REPORT_FIELDS if k != "date"}
    for name in ("people_on_site", "temperature_checks"):
        if fields[name] in (None, ""):
            raise ValidationError({name: _("此项为必填项")})
    fields["abnormal_temperatures"] = fields["abnormal_temperatures"] or 0
    check_not_negative(fields, "people_on_site", "temperature_checks", "abnormal_temperatures")
    if fields["abnormal_temperatures"] > fields["temperature_checks"]:
        raise ValidationError({"abnormal_temperatures": _("体温异常人数不能多于测温人次")})
    fields["disinfection_done"] = bool(fields["disinfection_done"])
    fields["notes"] = (fields["notes"] or "").strip()
    return fields


def submit_daily_report(*, actor, enterprise: Enterprise, data: dict[str, Any]) -> DailyReport:
    require_perm(actor, "enterprises.add_dailyreport")
    require_enterprise(actor, enterprise)
    day = data.get("date") or timezone.localdate()
    if day > timezone.localdate():
        raise ValidationError({"date": _("不能填报未来日期的日报")})
    fields = _clean_report(data)
    if DailyReport.objects.filter(enterprise=enterprise, date=day).exists():
        raise ValidationError({"date": _("该企业当日日报已填报")})
    try:
        with transaction.atomic():
            return audited_create(
                actor, DailyReport, enterprise=enterprise, reported_by=actor, date=day, **fields
            )
    except IntegrityError:  # a second submission racing the first
        raise ValidationError({"date": _("该企业当日日报已填报")}) from None


def update_daily_report(
    *, actor, dailyreport: DailyReport, data: dict[str, Any], expected_version
) -> DailyReport:
    """Correct a report's figures (a mistyped 在岗人数); its enterprise and day stay."""
    require_perm(actor, "enterprises.change_dailyreport")
    require_enterprise(actor, dailyreport.enterprise)
    current = {k: getattr(dailyreport, k) for k in REPORT_FIELDS}
    fields = _clean_report(current | {k: v for k, v in data.items() if k != "date"})
    with transaction.atomic():
        before = lock_versioned(dailyreport, expected_version)
        return _save_update(actor, dailyreport, before, fields)


def remind_missing_reports(*, actor, day: datetime.date, enterprises) -> list[ReportReminder]:
    """Record a reminder (催报) for each enterprise given that has no report for ``day``.

    ``enterprises`` is a queryset already scoped by the caller (a user's area, or all for the
    command line). Enterprises already reminded for that day are not reminded twice.
    """
    from .selectors import missing_reports

    if actor is not None:
        require_perm(actor, "enterprises.add_reportreminder")
    missing = list(
        missing_reports(enterprises, day).exclude(
            pk__in=ReportReminder.objects.filter(date=day).values("enterprise_id")
        )
    )
    reminders = [ReportReminder(enterprise=e, date=day, reminded_by=actor) for e in missing]
    with transaction.atomic():
        ReportReminder.objects.bulk_create(reminders)
        created = list(
            ReportReminder.objects.filter(
                date=day, enterprise__in=[e.pk for e in missing]
            ).select_related("enterprise__area")
        )
        audit.record_many(actor, [audit.event_for(r, audit.AuditAction.CREATE) for r in created])
    return created


# --- inspections and problems (驻企检查) ----------------------------------------------------


def require_stationed(actor, enterprise: Enterprise) -> None:
    """Only a liaison officer stationed there today files inspections for an enterprise."""
    running = LiaisonAssignment.objects.filter(
        active_assignment_q(), enterprise=enterprise, liaison=actor
    )
    if not running.exists():
        raise PermissionDenied(_("只有派驻该企业的联络员可以填报检查"))


def check_deadline(deadline: datetime.date | None, found_on: datetime.date, message: str) -> None:
    """A rectification deadline (整改期限), when given, is not before the problem was found."""
    if deadline is not None and deadline < found_on:
        raise ValidationError({"deadline": message})


def file_inspection(
    *, actor, enterprise: Enterprise, data: dict[str, Any], problems: list[str] = ()
) -> Inspection:
    """A checklist visit; each non-empty line of ``problems`` opens a problem."""
    require_perm(actor, "enterprises.add_inspection")
    require_enterprise(actor, enterprise)
    require_stationed(actor, enterprise)
    day = data.get("inspected_on") or timezone.localdate()
    if day > timezone.localdate():
        raise ValidationError({"inspected_on": _("检查日期不能晚于今天")})
    if any(text.strip() for text in problems):
        check_deadline(data.get("deadline"), day, _("整改期限不能早于检查日期"))
    answers = {name: bool(data.get(name)) for name in Inspection.CHECKLIST}
    with transaction.atomic():
        inspection = audited_create(
            actor,
            Inspection,
            enterprise=enterprise,
            inspector=actor,
            inspected_on=day,
            notes=(data.get("notes") or "").strip(),
            **answers,
        )
        for text in problems:
            if text.strip():
                audited_create(
                    actor,
                    InspectionProblem,
                    enterprise=enterprise,
                    inspection=inspection,
                    description=text.strip(),
                    deadline=data.get("deadline"),
                    found_by=actor,
                )
    return inspection


def report_problem(
    *, actor, enterprise: Enterprise, description: str, deadline=None
) -> InspectionProblem:
    require_perm(actor, "enterprises.add_inspectionproblem")
    require_enterprise(actor, enterprise)
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": _("请描述发现的问题")})
    check_deadline(deadline, timezone.localdate(), _("整改期限不能早于今天"))
    with transaction.atomic():
        return audited_create(
            actor,
            InspectionProblem,
            enterprise=enterprise,
            description=description,
            deadline=deadline,
            found_by=actor,
        )


def rectify_problem(
    *, actor, problem: InspectionProblem, rectification: str, expected_version
) -> InspectionProblem:
    require_perm(actor, "enterprises.change_inspectionproblem")
    require_enterprise(actor, problem.enterprise)
    rectification = (rectification or "").strip()
    if not rectification:
        raise ValidationError({"rectification": _("请填写整改情况")})
    with transaction.atomic():
        before = lock_versioned(problem, expected_version)
        if before.state != ProblemState.OPEN:
            raise ValidationError(_("该问题已整改"))
        return _save_update(
            actor,
            problem,
            before,
            {
                "state": ProblemState.RECTIFIED,
                "rectification": rectification,
                "rectified_at": timezone.now(),
            },
        )


# --- difficulties (困难诉求, 一企一策) ------------------------------------------------------


def raise_difficulty(
    *, actor, enterprise: Enterprise, category: str, description: str
) -> Difficulty:
    require_perm(actor, "enterprises.add_difficulty")
    require_enterprise(actor, enterprise)
    if not category:
        raise ValidationError({"category": _("请选择困难类别")})
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": _("请描述遇到的困难")})
    with transaction.atomic():
        return audited_create(
            actor,
            Difficulty,
            enterprise=enterprise,
            category=category,
            description=description,
            raised_by=actor,
        )


def respond_difficulty(
    *, actor, difficulty: Difficulty, response: str, resolved: bool, expected_version
) -> Difficulty:
    """The office records its measures; ``resolved`` closes the difficulty."""
    require_perm(actor, "enterprises.respond_difficulty")
    require_area(actor, difficulty.enterprise.area)
    response = (response or "").strip()
    if not response:
        raise ValidationError({"response": _("请填写解决措施")})
    with transaction.atomic():
        before = lock_versioned(difficulty, expected_version)
        if before.state == DifficultyState.RESOLVED:
            raise ValidationError(_("该诉求已解决"))
        state = DifficultyState.RESOLVED if resolved else DifficultyState.IN_PROGRESS
        return _save_update(
            actor,
            difficulty,
            before,
            {
                "response": response,
                "state": state,
                "responded_by": actor,
                "responded_at": timezone.now(),
            },
        )
