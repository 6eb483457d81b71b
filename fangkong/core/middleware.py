"""Every URL needs a signed-in user except the views marked ``@public``.

``public`` is also the registry of those views: ``core.tests.test_security_urls`` walks the
URL map, checks that every other URL turns an anonymous visitor away, and that the set of
public views is exactly the reviewed allow-list there.
"""

import contextlib
import time

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

# "module.qualname" of every view marked public, filled as the modules are imported.
PUBLIC_VIEWS: set[str] = set()


def view_label(view) -> str:
    return f"{view.__module__}.{view.__qualname__}"


def public(view):
    """Mark a view function or class as reachable without signing in (check-in, tip form,
    verification pages) and record it in ``PUBLIC_VIEWS``."""
    view.fangkong_public = True
    PUBLIC_VIEWS.add(view_label(view))
    return view


PUBLIC_PREFIXES = ("/static/", "/i18n/")


def view_class_of(view_func):
    return getattr(view_func, "view_class", None) or getattr(view_func, "cls", None)


def is_public_view(view_func) -> bool:
    if getattr(view_func, "fangkong_public", False):
        return True
    view_class = view_class_of(view_func)
    return view_class is not None and getattr(view_class, "fangkong_public", False)


class LoginRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.user.is_authenticated:
            return None
        if is_public_view(view_func):
            return None
        if request.path.startswith(PUBLIC_PREFIXES):
            return None
        if request.path.startswith("/api/"):
            # DRF authenticates tokens itself; let it answer 401/403 in its own format.
            if request.headers.get("Authorization"):
                return None
            return JsonResponse(
                {"detail": _("未登录或登录已过期")},
                status=401,
                json_dumps_params={"ensure_ascii": False},
                headers={"WWW-Authenticate": 'Token realm="api"'},
            )
        if getattr(request, "htmx", False):
            # An htmx request (a list's search box, a 显示 button) after the session ended
            # would put the sign-in page inside the element it fills: the whole page goes
            # to sign-in instead, and back to the page the user was on.
            from django_htmx.http import HttpResponseClientRedirect

            back = request.htmx.current_url_abs_path or request.get_full_path()
            return HttpResponseClientRedirect(redirect_to_login(back, settings.LOGIN_URL).url)
        return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)


# No inline script or style anywhere (app.js carries the page behaviour); Bootstrap's CSS
# draws its icons from data: URIs. The API docs pages set their own, wider policy.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'self'",
    ]
)


class SecurityHeadersMiddleware:
    """Content-Security-Policy on every response that has none of its own.

    X-Frame-Options (DENY), Referrer-Policy (same-origin) and X-Content-Type-Options (nosniff)
    come from Django's own middleware and settings.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        return response


IDLE_KEY = "fk_seen"
# Write the last-seen time at most this often, not on every request.
IDLE_RESOLUTION_S = 60


class SessionIdleTimeoutMiddleware:
    """Signs a user out after ``FANGKONG_SESSION_IDLE_MINUTES`` without a request.

    The absolute limit is ``SESSION_COOKIE_AGE``; ``SESSION_EXPIRE_AT_BROWSER_CLOSE`` (env
    ``FANGKONG_SESSION_EXPIRE_AT_BROWSER_CLOSE``) ends the session with the browser.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        idle = int(getattr(settings, "FANGKONG_SESSION_IDLE_MINUTES", 30)) * 60
        if idle and user is not None and user.is_authenticated:
            now = int(time.time())
            seen = request.session.get(IDLE_KEY)
            if seen is not None and now - int(seen) > idle:
                from django.contrib import messages
                from django.contrib.auth import logout

                logout(request)
                messages.info(request, _("长时间未操作，已自动退出，请重新登录"))
            elif seen is None or now - int(seen) >= IDLE_RESOLUTION_S:
                request.session[IDLE_KEY] = now
        return self.get_response(request)


def mark_session_seen(sender, request, user, **kwargs) -> None:
    """Start the idle clock at sign-in (``user_logged_in``), so a fresh session needs no
    extra write on its first request."""
    if request is not None and hasattr(request, "session"):
        request.session[IDLE_KEY] = int(time.time())


class ChosenLanguageMiddleware:
    """Each request in the language its user chose in the menu (Django's language cookie),
    else in Simplified Chinese.

    Django's ``LocaleMiddleware`` would follow the browser's ``Accept-Language``: a grid
    worker whose PC runs an English Windows would get English pages they never asked for,
    and a Traditional-Chinese phone Traditional ones. The platform is Simplified Chinese
    first; the other languages are a choice, which the cookie keeps.

    The API is the exception: a partner system has no menu and no cookie, and the
    ``Accept-Language`` its integrator set is its choice (``zh-hant``, ``en``…). Without
    one, or with a language the platform does not speak, the API answers in Simplified
    Chinese too; a signed-in user's cookie still wins.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = settings.LANGUAGE_CODE
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        is_api = request.path.startswith("/api/")
        if chosen:
            with contextlib.suppress(LookupError):  # an old or forged cookie: the default
                language = translation.get_supported_language_variant(chosen)
        elif is_api:
            language = _accepted_language(request.headers.get("Accept-Language", ""), language)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie", "Accept-Language") if is_api else ("Cookie",))
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


def _accepted_language(header: str, default: str) -> str:
    """The first language of an ``Accept-Language`` header the platform speaks (``zh-TW``
    → ``zh-hant``, ``zh-CN`` → ``zh-hans``), else ``default``."""
    for code, _quality in translation.trans_real.parse_accept_lang_header(header):
        if code == "*":
            break
        with contextlib.suppress(LookupError):
            return translation.get_supported_language_variant(code)
    return default


class WriteConflictMiddleware:
    """A write refused by a unique constraint, escaping a view: two people saved the same
    record at the same moment (the services check before they write, and lock where a
    check reads other rows, so only such a race gets here). The service's transaction wrote
    nothing; the user is told so with a 409 and what to do, not a server error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from .views.errors import unique_conflict, write_conflict

        return write_conflict(request) if unique_conflict(exception) else None
