"""OpenAPI post-processing: the error answers every endpoint can give, documented once.

Views do not declare them one by one: any operation may answer 400 (a field or filter that
does not validate), 401 (no or a bad token), 403 (role or area), 404 (an id outside the
caller's area, a page past the end); a throttled endpoint, 429. Schemathesis
(``core/tests/test_api_fuzz.py``) holds the schema to it.
"""

from __future__ import annotations

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
