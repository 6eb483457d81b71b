from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000

    def get_page_size(self, request):
        # DRF silently falls back to the default on a bad value; say what is wrong instead.
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None and not (raw.isdigit() and 1 <= int(raw) <= self.max_page_size):
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        _("每页条数须为 1 到 %(max)d 之间的整数") % {"max": self.max_page_size}
                    ]
                }
            )
        return super().get_page_size(request)

    def get_page_number(self, request, paginator):
        # DRF answered ?page=abc or ?page=0 with 404 "无效页面" as if the page were past the
        # end; a page that is not a number is the client's mistake, said as such.
        raw = request.query_params.get(self.page_query_param)
        if raw and raw not in self.last_page_strings and not (raw.isdigit() and int(raw) >= 1):
            raise ValidationError({self.page_query_param: [_("页码须为从 1 开始的整数")]})
        return super().get_page_number(request, paginator)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for p in parameters:
            if p["name"] == self.page_size_query_param:
                p["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
            elif p["name"] == self.page_query_param:
                p["schema"] = {"type": "integer", "minimum": 1}
        return parameters
