"""``FastJSONRenderer`` (orjson) writes the bytes DRF's ``JSONRenderer`` writes."""

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ErrorDetail
from rest_framework.renderers import JSONRenderer

from fangkong.core.api.renderers import FastJSONRenderer

BATCH = {
    "created": 2,
    "duplicates": 0,
    "rejected": 1,
    "results": [
        {"index": 0, "id": "3f2b0c1e-9a1d-4e0b-8a52-0c7d9e1f2a3b", "status": "created"},
        {"index": 1, "id": "设备\u2028编号\u2029", "status": "created"},  # JS line separators
        {"index": 2, "id": "", "status": "rejected"},
    ],
    "errors": [{"index": 2, "field": "id", "message": "记录编号应为 UUID，如 3f2b…（由设备生成）"}],
}


@pytest.mark.parametrize(
    "data",
    [
        BATCH,
        {"records": [ErrorDetail("该字段是必填项。", code="required")]},
        {"detail": gettext_lazy("身份认证信息未提供。")},  # a lazy string: DRF's encoder
        {"n": None, "ok": True, "big": 2**70, "nested": [[], {}, [1, [2]]]},
        [],
        None,
    ],
)
def test_fast_renderer_writes_what_drf_writes(data):
    assert FastJSONRenderer().render(data) == JSONRenderer().render(data)


def test_fast_renderer_pretty_prints_as_drf_does():
    media = "application/json; indent=2"
    assert FastJSONRenderer().render(BATCH, media) == JSONRenderer().render(BATCH, media)
