from fangkong.core.api.serializers import ScopedModelSerializer, VersionRequiredMixin

from ..models import Area


class AreaSerializer(ScopedModelSerializer):
    """区域/网格: one node of the area tree."""

    class Meta:
        model = Area
        fields = ["id", "code", "name", "level", "parent", "path", "depth", "version"]
        # Only a top-level area has no parent, and then it must say so (null).
        extra_kwargs = {"parent": {"required": True}}


class AreaUpdateSerializer(VersionRequiredMixin, AreaSerializer):
    """Renaming or moving an area: the code and level stay as they are."""

    class Meta(AreaSerializer.Meta):
        read_only_fields = ["code", "level"]
