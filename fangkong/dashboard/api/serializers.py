from fangkong.core.api.serializers import ScopedModelSerializer, TextField

from ..models import SubmittedReport


class SubmittedReportSerializer(ScopedModelSerializer):
    area_name = TextField(source="area.name", read_only=True)
    submitted_by_name = TextField(source="submitted_by.display_name", read_only=True)

    class Meta:
        model = SubmittedReport
        fields = [
            "id",
            "area",
            "area_name",
            "day",
            "template_name",
            "title",
            "revision",
            "is_current",
            "reason",
            "submitted_by",
            "submitted_by_name",
            "submitted_at",
            "data",
        ]
        read_only_fields = fields
