from rest_framework import mixins

from fangkong.core.api.views import (
    ScopedGenericViewSet,
    ServiceCreateMixin,
    ServiceDestroyMixin,
)

from .. import selectors, services
from ..filtersets import PairingFilterSet
from ..models import Pairing
from .serializers import PairingSerializer


class PairingViewSet(
    ServiceCreateMixin,
    ServiceDestroyMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ScopedGenericViewSet,
):
    """包联 of the caller's area (``visible_to``), filtered as the list page is; created as
    the page does (``services.pair_named``), ended with a reason (``services.unpair``);
    never edited."""

    model = Pairing
    selector = staticmethod(selectors.pairing_list)
    serializer_class = PairingSerializer
    filterset_class = PairingFilterSet
    service_takes_data = False
    create_service = staticmethod(services.pair_named)
    delete_service = staticmethod(services.unpair)
