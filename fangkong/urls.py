from django.urls import include, path

from fangkong.health.urls import verify_patterns

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("fangkong.api_urls")),
    path("", include("fangkong.core.urls")),
    path("areas/", include("fangkong.areas.urls")),
    path("registry/", include("fangkong.registry.urls")),
    path("accounts/", include("fangkong.accounts.urls")),
    path("screening/", include("fangkong.screening.urls")),
    path("risk/", include("fangkong.risk.urls")),
    path("status/", include("fangkong.status.urls")),
    path("health/", include("fangkong.health.urls")),
    path("verify/", include((verify_patterns, "verify"))),
]

handler404 = "fangkong.core.views.errors.page_not_found"
handler500 = "fangkong.core.views.errors.server_error"
