"""API documentation pages that load nothing from the internet.

Swagger UI and Redoc come from drf-spectacular-sidecar's static files (``'SIDECAR'`` settings).
drf-spectacular's stock Redoc page also links Google Fonts, so Redoc is rendered from the page
below instead: the same script and settings, system fonts, no external URL. Redoc's bundle
hard-codes its footer's logo on cdn.redoc.ly: ``redoc_bundle`` serves the bundle with that
image made an inline one. Both pages also carry a Content-Security-Policy that keeps the
browser on this server, whatever a future bundle asks for.
"""

from functools import cache

from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template import engines
from django.urls import reverse
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView
from rest_framework.renderers import TemplateHTMLRenderer

REDOC_BUNDLE = "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"
REDOC_LOGO = b"https://cdn.redoc.ly/redoc/logo-mini.svg"
# An empty image: the footer keeps its text, the browser asks no other server.
EMPTY_SVG = b"data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E"

# Inline scripts/styles are the pages' own (drf-spectacular templates); Redoc searches in a
# blob: worker. Nothing may be fetched from another origin.
DOCS_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'self'",
    ]
)


class SameOriginOnlyMixin:
    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Security-Policy"] = DOCS_CSP
        return response


REDOC_PAGE = """<!DOCTYPE html>
<html lang="{{ LANGUAGE_CODE|default:'zh-hans' }}">
  <head>
    <title>{{ title|default:"Redoc" }}</title>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <style>body { margin: 0; padding: 0; }</style>
  </head>
  <body>
    <div id="redoc-container"></div>
    <script src="{{ redoc_standalone }}"></script>
    <script>
      Redoc.init("{{ schema_url|escapejs }}", {{ settings|default:"{}"|safe }},
                 document.getElementById("redoc-container"));
    </script>
  </body>
</html>
"""


@cache
def _redoc_template():
    return engines["django"].from_string(REDOC_PAGE)


class OfflineRedocRenderer(TemplateHTMLRenderer):
    def resolve_template(self, template_names):
        return _redoc_template()


class OfflineRedocView(SameOriginOnlyMixin, SpectacularRedocView):
    renderer_classes = [OfflineRedocRenderer]

    @staticmethod
    def _redoc_standalone():
        return reverse("api-redoc-bundle")


@cache
def _redoc_bundle() -> bytes:
    with open(finders.find(REDOC_BUNDLE), "rb") as fh:
        return fh.read().replace(REDOC_LOGO, EMPTY_SVG)


def redoc_bundle(request):
    """Redoc's script without its one request to another server (read once per process)."""
    response = HttpResponse(_redoc_bundle(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "private, max-age=86400"
    return response


class OfflineSwaggerView(SameOriginOnlyMixin, SpectacularSwaggerView):
    pass
