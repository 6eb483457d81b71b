"""REST API under /api/v1/: every app's router, token sign-in, the OpenAPI schema and docs.

The docs pages load Swagger UI and Redoc from drf-spectacular-sidecar's static files (no CDN,
no web fonts, no online validator: ``core.api.docs``);
schema and docs need a signed-in user (``SPECTACULAR_SETTINGS['SERVE_PERMISSIONS']``).
"""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from fangkong.core.api.docs import OfflineRedocView, OfflineSwaggerView, redoc_bundle

urlpatterns = [
    # The checkpoint devices' scans come first: Django tries the includes in order, and each
    # one passed over cost the hot ingest request ~7 µs (~60 µs of a ~1 ms request). Every
    # app's routes have their own prefix, so the order decides nothing else.
    path("", include("fangkong.venues.api.urls")),
    path("", include("fangkong.accounts.api.urls")),
    path("", include("fangkong.areas.api.urls")),
    path("", include("fangkong.registry.api.urls")),
    path("", include("fangkong.core.api.urls")),
    path("", include("fangkong.screening.api.urls")),
    path("", include("fangkong.risk.api.urls")),
    path("", include("fangkong.status.api.urls")),
    path("", include("fangkong.health.api.urls")),
    path("", include("fangkong.tracing.api.urls")),
    path("", include("fangkong.volunteers.api.urls")),
    path("", include("fangkong.pairing.api.urls")),
    path("", include("fangkong.supervision.api.urls")),
    path("", include("fangkong.tips.api.urls")),
    path("", include("fangkong.enterprises.api.urls")),
    path("", include("fangkong.supplies.api.urls")),
    path("", include("fangkong.prices.api.urls")),
    path("", include("fangkong.duty.api.urls")),
    path("", include("fangkong.dashboard.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", OfflineSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", OfflineRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("redoc/redoc.standalone.js", redoc_bundle, name="api-redoc-bundle"),
]
