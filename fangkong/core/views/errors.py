"""Error handlers. The API answers JSON even for URLs no route matches (e.g.
``/api/v1/x/0.5/``); a database that is down or restarting answers 503, not a server error.

While PostgreSQL restarts every request that reaches the database fails; the user (or the
API client) should be told to retry in a moment, in Chinese, without a trace. The pages are
rendered without context processors: they must not touch the database that just failed.
"""

import sys

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import IntegrityError, InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseServerError, JsonResponse
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import defaults

UNAVAILABLE_RETRY_AFTER = "5"


def _chain(exc: BaseException | None):
    """``exc`` and the exceptions it was raised from or while handling."""
    while exc is not None:
        yield exc
        exc = exc.__cause__ or exc.__context__


def database_unavailable(exc: BaseException | None) -> bool:
    return any(isinstance(e, OperationalError | InterfaceError) for e in _chain(exc))


def unique_conflict(exc: BaseException | None) -> bool:
    """A unique constraint refused the write (PostgreSQL's 23505, SQLite's "UNIQUE constraint
    failed"): the same record was saved by someone else a moment before."""
    return any(
        isinstance(e, IntegrityError)
        and (
            getattr(e.__cause__, "sqlstate", None) == "23505"
            or "UNIQUE constraint failed" in str(e)
        )
        for e in _chain(exc)
    )


def write_conflict(request):
    """409 for a write a unique constraint refused (``core.middleware.WriteConflictMiddleware``):
    what happened and what to do, as JSON under /api/; a page back to where the user was."""
    message = _("有人刚刚保存了相同的记录，本次提交未能保存。请刷新页面查看后再操作。")
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message, "code": "conflict"}, status=409)
    back = request.META.get("HTTP_REFERER", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = "/"
    page = loader.render_to_string("409.html", {"message": message, "back": back})
    return HttpResponse(page, status=409)


def bad_request(request, exception=None):
    """Django's refusals before any view (a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``, too
    many fields): said in Chinese, as JSON under /api/, with what to do about it."""
    if isinstance(exception, RequestDataTooBig):
        message = _("提交的内容过大（上限 %(mb)s MB），请分批提交") % {
            "mb": settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 2**20
        }
    elif isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        message = _("一次提交的字段或文件过多，请分批提交")
    else:
        message = _("请求无法处理，请检查后重试")
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=400)
    return HttpResponseBadRequest(loader.render_to_string("400.html", {"message": message}))


def page_not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("未找到。")}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    exc = sys.exc_info()[1]
    wants_json = request.path.startswith("/api/")
    if database_unavailable(exc):
        message = _("数据库暂时无法连接，请稍后重试（本次操作未保存）")
        if wants_json:
            response = JsonResponse({"detail": message, "code": "database_unavailable"}, status=503)
        else:
            response = HttpResponse(loader.render_to_string("503.html"), status=503)
        response["Retry-After"] = UNAVAILABLE_RETRY_AFTER
        return response
    if wants_json:
        return JsonResponse({"detail": _("服务器内部错误，已记录，请稍后重试")}, status=500)
    return HttpResponseServerError(loader.render_to_string("500.html"))
