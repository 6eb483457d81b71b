from django.conf import settings


def fangkong(request):
    return {
        "FANGKONG_TITLE": settings.FANGKONG_NAV_TITLE,
        "LANGUAGES": settings.LANGUAGES,
    }
