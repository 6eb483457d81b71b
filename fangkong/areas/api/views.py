from rest_framework import mixins

from fangkong.core.api.views import ScopedGenericViewSet, ServiceCreateMixin, ServiceUpdateMixin

from .. import services
from ..filtersets import AreaFilterSet
from ..models import Area
from .serializers import AreaSerializer, AreaUpdateSerializer


class AreaViewSet(
    ServiceCreateMixin,
    ServiceUpdateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ScopedGenericViewSet,
):
    """区域: the caller's area and everything below it; create, rename and move."""

    model = Area
    serializer_class = AreaSerializer
    update_serializer_class = AreaUpdateSerializer
    filterset_class = AreaFilterSet
    service_takes_data = False
    create_service = staticmethod(services.create_area)
    update_service = staticmethod(services.update_area)
