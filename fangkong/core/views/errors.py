"""Error handlers. The API answers JSON even for URLs no route matches (e.g.
``/api/v1/x/0.5/``); a database that is down or restarting answers 503, not a server error.

While PostgreSQL restarts every request that reaches the database fails; the user (or the
API client) should be told to retry in a moment, in Chinese, without a trace. The pages are
rendered without context processors: they must not touch the database that just failed.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults

UNAVAILABLE_RETRY_AFTER = "5"


def database_unavailable(exc: BaseException | None) -> bool:
    while exc is not None:
        if isinstance(exc, OperationalError | InterfaceError):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


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
