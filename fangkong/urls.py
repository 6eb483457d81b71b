from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("fangkong.api_urls")),
    path("", include("fangkong.core.urls")),
    path("areas/", include("fangkong.areas.urls")),
    path("registry/", include("fangkong.registry.urls")),
    path("accounts/", include("fangkong.accounts.urls")),
]
