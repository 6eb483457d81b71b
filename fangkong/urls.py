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
    path("venues/", include("fangkong.venues.urls")),
    path("tracing/", include("fangkong.tracing.urls")),
    path("volunteers/", include("fangkong.volunteers.urls")),
    path("pairing/", include("fangkong.pairing.urls")),
    path("enterprises/", include("fangkong.enterprises.urls")),
    path("duty/", include("fangkong.duty.urls")),
    path("verify/", include((verify_patterns, "verify"))),
    path("supervision/", include("fangkong.supervision.urls")),
    path("tips/", include("fangkong.tips.urls")),
    path("supplies/", include("fangkong.supplies.urls")),
    path("prices/", include("fangkong.prices.urls")),
    path("dashboard/", include("fangkong.dashboard.urls")),
]

handler400 = "fangkong.core.views.errors.bad_request"
handler404 = "fangkong.core.views.errors.page_not_found"
handler500 = "fangkong.core.views.errors.server_error"
