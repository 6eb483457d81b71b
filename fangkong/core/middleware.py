"""Every URL needs a signed-in user except the views marked ``@public``."""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse


def public(view):
    """Mark a view as reachable without signing in (check-in, tip form, verification)."""
    view.fangkong_public = True
    return view


PUBLIC_PREFIXES = ("/static/", "/i18n/")


class LoginRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.user.is_authenticated:
            return None
        if getattr(view_func, "fangkong_public", False):
            return None
        view_class = getattr(view_func, "view_class", None) or getattr(view_func, "cls", None)
        if view_class is not None and getattr(view_class, "fangkong_public", False):
            return None
        if request.path.startswith(PUBLIC_PREFIXES):
            return None
        if request.path.startswith("/api/"):
            # DRF authenticates tokens itself; let it answer 401/403 in its own format.
            if request.headers.get("Authorization"):
                return None
            return JsonResponse({"detail": "未登录或登录已过期"}, status=401)
        return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
