"""The OpenAPI schema: each operation's Chinese summary, and the error answers every endpoint
can give, documented once.

Standard viewset actions are summarised from their model's verbose names (``居民列表``,
``修改居民（部分字段）``); an operation that says more with ``@extend_schema(summary=…)``
keeps its own. The viewsets' docstrings stay the operations' descriptions.

Views do not declare the error answers one by one: any operation may answer 400 (a field or
filter that does not validate), 401 (no or a bad token), 403 (role or area), 404 (an id outside the
caller's area, a page past the end); a throttled endpoint, 429; a request that carries the
``version`` it read, 409 (someone saved the row since). Schemathesis
(``core/tests/test_api_fuzz.py``) holds the schema to it.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular import openapi
from drf_spectacular.plumbing import get_view_model

_STANDARD = {
    "list": lambda m: _("%(plural)s列表") % {"plural": m.verbose_name_plural},
    "retrieve": lambda m: _("%(name)s详情") % {"name": m.verbose_name},
    "create": lambda m: _("新增%(name)s") % {"name": m.verbose_name},
    "update": lambda m: _("修改%(name)s（全部字段）") % {"name": m.verbose_name},
    "partial_update": lambda m: _("修改%(name)s（部分字段）") % {"name": m.verbose_name},
    "destroy": lambda m: _("删除%(name)s") % {"name": m.verbose_name},
}


class AutoSchema(openapi.AutoSchema):
    def get_filter_backends(self) -> list:
        return super().get_filter_backends() if _pages_and_filters(self.view) else []

    def _get_paginator(self):
        return super()._get_paginator() if _pages_and_filters(self.view) else None

    def get_summary(self) -> str | None:
        name = getattr(self.view, "action", None)
        if name not in _STANDARD:
            return None
        model = get_view_model(self.view, emit_warnings=False)
        return _STANDARD[name](model._meta) if model is not None else None


def _pages_and_filters(view) -> bool:
    """Only a viewset's ``list`` pages and filters its rows. An action that answers a list
    (a problem's events, a need's proposals, the receipts reminded) answers all of it, and
    the list's filters do not apply to it: it is documented as the plain array it is."""
    return getattr(view, "action", "list") == "list"


ERROR_BODY = {
    "type": "object",
    "additionalProperties": True,
    "description": "{'detail': '…'} or {'<field>': ['…']} (messages in Chinese)",
}
DESCRIPTIONS = {
    "400": "输入不正确（字段或筛选条件）",
    "401": "未登录或令牌无效",
    "403": "没有权限，或不在管辖区域内",
    "404": "不存在，或不在管辖区域内",
    "409": "版本冲突：该记录已被其他人修改，请重新读取后再提交",
    "429": "请求过于频繁",
}
METHODS = ("get", "post", "put", "patch", "delete")


def add_error_responses(result, generator, request, public):
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            # 404 also for a list: a page number past the end.
            codes = ["400", "401", "403", "404"]
            if "auth/token" in path:
                codes.append("429")
            if _sends_version(operation, result):
                codes.append("409")
            responses = operation.setdefault("responses", {})
            for code in codes:
                responses.setdefault(
                    code,
                    {
                        "description": DESCRIPTIONS[code],
                        "content": {"application/json": {"schema": ERROR_BODY}},
                    },
                )
    return result


def document_blank_values(result, generator, request, public):
    """A query parameter the API reads blank as not given says so (``allowEmptyValue``):
    a yes-or-no filter or flag (``core.filtersets.yes_no``, as the lists' forms send an
    unchosen one), ``page`` (the first) and ``ordering`` (the list's own order). Typed filters
    (dates, numbers, ids, choices) refuse a blank value with a 400 and keep the default."""
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            for parameter in operation.get("parameters", []):
                if parameter.get("in") != "query":
                    continue
                lenient = parameter.get("schema", {}).get("type") == "boolean"
                if lenient or parameter["name"] in ("page", "ordering"):
                    parameter["allowEmptyValue"] = True
    return result


def _sends_version(operation: dict, result: dict) -> bool:
    """The request carries the ``version`` the client read: a stale one is refused with 409
    (``core.services.lock_versioned``), by an update and by every action that takes one."""
    content = operation.get("requestBody", {}).get("content", {})
    ref = content.get("application/json", {}).get("schema", {}).get("$ref", "")
    schema = result.get("components", {}).get("schemas", {}).get(ref.rsplit("/", 1)[-1], {})
    return "version" in schema.get("properties", {})
