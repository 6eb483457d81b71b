"""The home page: what the signed-in user's role can do, with figures from their own area.

Apps contribute panels: a panel is a function ``(request) -> dict | None`` listed in
``HOME_PANELS``; it returns a template name and its context, or ``None`` when the user's
role has nothing to see there. ``CAPABILITIES`` lists the links a role may get. Core does not
import the domain apps.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from fangkong.accounts.choices import Role

HOME_PANELS = [
    "fangkong.registry.views.home_panel",
    "fangkong.enterprises.views.home_panel",
]


@dataclass(frozen=True)
class Capability:
    perm: str
    label: str
    url_name: str
    icon: str = "bi-arrow-right-circle"


CAPABILITIES = [
    Capability("registry.add_resident", _("登记居民"), "registry:resident_add", "bi-person-plus"),
    Capability("registry.view_resident", _("查询居民"), "registry:resident_list", "bi-people"),
    Capability(
        "registry.import_resident", _("批量导入居民"), "registry:resident_import", "bi-upload"
    ),
    Capability("registry.view_household", _("户"), "registry:household_list", "bi-house"),
    Capability("registry.view_building", _("楼栋"), "registry:building_list", "bi-building"),
    Capability("areas.view_area", _("区域网格"), "areas:area_tree", "bi-diagram-3"),
    Capability("core.view_auditentry", _("审计日志"), "core:audit_list", "bi-journal-check"),
]

# What a role without registry work can already do, shown on its short home page.
ROLE_NOTES = {
    Role.VOLUNTEER: _(
        "志愿者功能（报名、排班、服务时长）正在建设中。目前您可以查看和修改自己的账号信息。"
    ),
    Role.INSPECTOR: _(
        "督导检查功能（检查记录、问题台账）正在建设中。目前您可以查看区域网格和管理自己的账号。"
    ),
}


def role_capabilities(user) -> list[dict]:
    items = []
    for cap in CAPABILITIES:
        if not user.has_perm(cap.perm):
            continue
        try:
            url = reverse(cap.url_name)
        except NoReverseMatch:
            continue
        items.append({"label": cap.label, "url": url, "icon": cap.icon})
    return items


def home(request: HttpRequest) -> HttpResponse:
    panels = []
    for dotted in HOME_PANELS:
        panel = import_string(dotted)(request)
        if panel:
            panels.append(panel)
    user = request.user
    return render(
        request,
        "home.html",
        {
            "panels": panels,
            "capabilities": role_capabilities(user),
            "role_note": ROLE_NOTES.get(user.role, ""),
            "area": user.area,
        },
    )
