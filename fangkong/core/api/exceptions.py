"""Service-layer exceptions mapped to HTTP: 400 per field, 403, 404, and 409 for stale versions."""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers, status
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from fangkong.core.services import ConflictError


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("该记录已被其他人修改，请刷新后重新修改")
    default_code = "conflict"


def _field_errors(exc: DjangoValidationError) -> dict:
    if not hasattr(exc, "error_dict"):
        return {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}
    return {
        (api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field): messages
        for field, messages in exc.message_dict.items()
    }


def exception_handler(exc, context):
    """``ConflictError`` → 409; other service ``ValidationError``s → 400 with per-field messages.

    Django's ``PermissionDenied`` (403) and ``Http404`` (404) are handled by DRF itself, which
    keeps the service's Chinese message; the frameworks' own English ones are put in Chinese.
    """
    if isinstance(exc, ConflictError):
        exc = Conflict(" ".join(exc.messages))
    elif isinstance(exc, DjangoValidationError):
        exc = serializers.ValidationError(_field_errors(exc))
    elif isinstance(exc, Http404) and _django_words(exc.args[0] if exc.args else ""):
        # "No Resident matches the given query." (get_object_or_404): English, and it names
        # a model; the services' own 404s are in Chinese and kept.
        exc = exceptions.NotFound()
    elif isinstance(exc, exceptions.ParseError) and _django_words(exc.detail):
        exc = exceptions.ParseError(_("请求正文无法解析：请发送 UTF-8 编码的有效 JSON"))
    elif isinstance(exc, exceptions.PermissionDenied) and str(exc.detail).startswith("CSRF"):
        exc = exceptions.PermissionDenied(
            _("CSRF 校验失败：以登录会话调用接口时须带 X-CSRFToken 请求头；设备与脚本请使用令牌")
        )
    return drf_exception_handler(exc, context)


def _django_words(message) -> bool:
    """A framework's own message, in English (ours are in Chinese)."""
    return bool(message) and str(message).isascii()
