from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from fangkong.core.api.serializers import ScopedModelSerializer, TextField

from .. import services
from ..models import Pairing


class PairableVolunteerField(serializers.PrimaryKeyRelatedField):
    """A party member the caller may pair (``services.pairable_volunteers``: their area's,
    and those who reported to a community in it); any other id is reported as not existing."""

    def get_queryset(self):
        request = self.context.get("request")
        return services.pairable_volunteers(getattr(request, "user", None))


class PairingSerializer(ScopedModelSerializer):
    """包联. Written as the target is named on the page (``services.pair_named``): the grid,
    and a building name (整栋) or a household number in it; read back with the target's ids."""

    volunteer = PairableVolunteerField(label=_("包联党员"))
    volunteer_name = TextField(source="volunteer.name", read_only=True, label=_("姓名"))
    area_name = TextField(source="area.name", read_only=True, label=_("网格名称"))
    building = TextField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=100,
        label=_("楼栋"),
        help_text=_("只填楼栋：包联整栋楼的所有住户"),
    )
    household = TextField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=64,
        label=_("户编号"),
        help_text=_("填户编号：只包联这一户"),
    )
    building_id = serializers.IntegerField(read_only=True, allow_null=True, label=_("包联楼栋"))
    household_id = serializers.IntegerField(read_only=True, allow_null=True, label=_("包联户"))
    target = TextField(source="target_label", read_only=True, label=_("包联楼栋/户"))
    household_count = serializers.IntegerField(read_only=True, label=_("户数"))

    class Meta:
        model = Pairing
        fields = [
            "id",
            "volunteer",
            "volunteer_name",
            "area",
            "area_name",
            "building",
            "household",
            "building_id",
            "household_id",
            "target",
            "household_count",
            "notes",
            "created_at",
        ]
