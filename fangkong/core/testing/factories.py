"""Test data built through the real models and services; values are generated, not real."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from fangkong.accounts.choices import Role
from fangkong.accounts.models import User
from fangkong.areas.choices import AreaLevel
from fangkong.areas.models import Area
from fangkong.demo.generators import make_id_number, make_phone

__all__ = ["area", "build_city", "build_users", "make_id_number", "make_phone", "make_user"]

_seq = itertools.count(1)


def area(code: str, name: str, level: int, parent: Area | None = None) -> Area:
    return Area.objects.create(code=code, name=name, level=level, parent=parent)


def build_city() -> dict[str, Area]:
    """Two districts, each down to two grids: enough to prove scoping both ways."""
    a = {}
    a["city"] = area("510400", "攀枝花市", AreaLevel.CITY)
    a["renhe"] = area("510411", "仁和区", AreaLevel.DISTRICT, a["city"])
    a["street"] = area("510411001", "仁和街道", AreaLevel.STREET, a["renhe"])
    a["community"] = area("510411001001", "海棠花语社区", AreaLevel.COMMUNITY, a["street"])
    a["grid_a"] = area("510411001001G01", "第一网格", AreaLevel.GRID, a["community"])
    a["grid_b"] = area("510411001001G02", "第二网格", AreaLevel.GRID, a["community"])
    a["miyi"] = area("510421", "米易县", AreaLevel.DISTRICT, a["city"])
    a["miyi_street"] = area("510421100", "攀莲镇", AreaLevel.STREET, a["miyi"])
    a["miyi_community"] = area(
        "510421100001", "迷阳水岸社区", AreaLevel.COMMUNITY, a["miyi_street"]
    )
    a["grid_c"] = area("510421100001G01", "第一网格", AreaLevel.GRID, a["miyi_community"])
    return a


def make_user(
    role: str, area_: Area | None, *, username: str | None = None, superuser: bool = False
) -> User:
    username = username or f"{role}{next(_seq)}"
    user = User.objects.create_user(
        username=username,
        password="pw-for-tests-only",
        role=role,
        area=area_,
        is_superuser=superuser,
    )
    return user


def build_users(areas: dict[str, Area]) -> dict[str, User]:
    return {
        "command": make_user(Role.COMMAND, areas["city"], username="command"),
        "street": make_user(Role.STREET, areas["street"], username="street"),
        "community": make_user(Role.COMMUNITY, areas["community"], username="community"),
        "grid_a": make_user(Role.GRID_WORKER, areas["grid_a"], username="grid_a"),
        "grid_b": make_user(Role.GRID_WORKER, areas["grid_b"], username="grid_b"),
        "grid_c": make_user(Role.GRID_WORKER, areas["grid_c"], username="grid_c"),
        "leader": make_user(Role.LEADER, areas["city"], username="leader"),
        "volunteer": make_user(Role.VOLUNTEER, areas["community"], username="volunteer"),
    }


def make_residents(actor: User, area_: Area, count: int, *, prefix: str = "居民") -> list:
    """``count`` residents in ``area_`` through the registry service, with generated IDs.

    The IDs' sequence digits come from one counter, so two calls in a test never draw the
    same number for the same birth date (random digits did, one run in a few hundred).
    """
    import datetime

    from fangkong.registry.services import create_resident

    return [
        create_resident(
            actor=actor,
            data={
                "area": area_,
                "name": f"{prefix}{i}",
                "id_number": make_id_number(
                    birth=datetime.date(1970 + i % 30, 1, 1 + i % 28), order=next(_seq)
                ),
                "phone": make_phone(),
            },
        )
        for i in range(count)
    ]


# --- per-importer options for generic import tests ------------------------------------
# An importer that needs run options (a campaign id...) registers a builder here, keyed by
# its importer key; the builder gets (actor, area) and returns the options dict.
IMPORT_OPTIONS: dict[str, Callable[[User, Area], dict[str, Any]]] = {}


def import_options_for(key: str):
    def decorator(builder):
        IMPORT_OPTIONS[key] = builder
        return builder

    return decorator


def import_options(key: str, actor: User, area_: Area) -> dict[str, Any]:
    builder = IMPORT_OPTIONS.get(key)
    return builder(actor, area_) if builder is not None else {}


@import_options_for("screening.finding")
def _campaign_options(actor: User, area_: Area) -> dict[str, Any]:
    import datetime

    from django.utils import timezone

    from fangkong.screening.services import create_campaign

    today = timezone.localdate()
    campaign = create_campaign(
        actor=actor,
        area=area_,
        title="测试摸排",
        starts_on=today,
        due_on=today + datetime.timedelta(days=7),
    )
    return {"campaign_id": campaign.pk}


@import_options_for("risk.designation")
def _risk_list_options(actor: User, area_: Area) -> dict[str, Any]:
    return {"reason": "测试认定依据"}


@import_options_for("tracing.named_contact")
def _named_contact_options(actor: User, area_: Area) -> dict[str, Any]:
    from django.utils import timezone

    from fangkong.tracing.services import create_case

    grids = Area.objects.subtree(area_).filter(level=AreaLevel.GRID).order_by("path")
    grid = area_ if area_.level == AreaLevel.GRID else grids.first()
    (person,) = make_residents(actor, grid, 1, prefix="病例")
    case = create_case(actor=actor, resident=person, kind="confirmed", confirmed_at=timezone.now())
    return {"case_id": case.pk, "reason": "测试指认依据"}


@import_options_for("enterprises.employee")
def _employee_options(actor: User, area_: Area) -> dict[str, Any]:
    from fangkong.enterprises.models import Enterprise

    from . import builders

    return {"enterprise_id": builders.build(Enterprise, area_).pk}
