"""API documentation pages that load nothing from the internet.

Swagger UI and Redoc come from drf-spectacular-sidecar's static files (``'SIDECAR'`` settings).
drf-spectacular's stock Redoc page also links Google Fonts, so Redoc is rendered from the page
below instead: the same script and settings, system fonts, no external URL. Redoc's bundle
still hard-codes a logo on cdn.redoc.ly, so both pages carry a Content-Security-Policy that
keeps the browser on this server.
"""

from functools import cache

from django.template import engines
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView
from rest_framework.renderers import TemplateHTMLRenderer

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


class OfflineSwaggerView(SameOriginOnlyMixin, SpectacularSwaggerView):
    pass
