"""The home page: what the signed-in user's role can do, with figures from their own area.

Apps contribute panels: a panel is a function ``(request) -> dict | None`` listed in
``HOME_PANELS``; it returns a template name and its context, or ``None`` when the user's
role has nothing to see there. ``HOME_TODOS`` are functions ``(user) -> list[Todo]``: what
waits for the user (a request to approve, a result to review), shown above the panels while
there is any. ``CAPABILITIES`` lists the links a role may get. Core does not import the
domain apps.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

HOME_PANELS = [
    "fangkong.dashboard.views.home_panel",
    "fangkong.registry.views.home_panel",
    "fangkong.volunteers.views.home_panel",
    "fangkong.pairing.views.home_panel",
    "fangkong.supervision.views.home_panel",
    "fangkong.enterprises.views.home_panel",
    "fangkong.screening.views.home_panel",
]

HOME_TODOS = [
    "fangkong.venues.views.home_todos",
    "fangkong.health.views.home_todos",
    "fangkong.dashboard.views.home_todos",
]


@dataclass(frozen=True)
class Todo:
    """待办: how many things of one kind wait for the user, and the list that shows them."""

    key: str
    label: str
    count: int
    url: str


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
    Capability("accounts.view_user", _("账号管理"), "accounts:user_list", "bi-person-badge"),
    Capability("core.view_auditentry", _("审计日志"), "core:audit_list", "bi-journal-check"),
    Capability(
        "supervision.add_visit", _("登记检查"), "supervision:visit_add", "bi-clipboard-check"
    ),
    Capability(
        "supervision.view_problem", _("问题台账"), "supervision:problem_list", "bi-list-check"
    ),
    Capability("tips.view_tip", _("举报线索"), "tips:tip_list", "bi-megaphone"),
]

# What a role without registry work can already do, shown on its short home page.
ROLE_NOTES: dict[str, str] = {}


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
    todos = [todo for dotted in HOME_TODOS for todo in import_string(dotted)(user) if todo.count]
    return render(
        request,
        "home.html",
        {
            "todos": todos,
            "panels": panels,
            "capabilities": role_capabilities(user),
            "role_note": ROLE_NOTES.get(user.role, ""),
            "area": user.area,
        },
    )
