from rest_framework.routers import SimpleRouter

from .views import (
    AllocationViewSet,
    DonationViewSet,
    FundViewSet,
    ItemViewSet,
    MovementViewSet,
    SupplyRequestViewSet,
    WarehouseViewSet,
)

router = SimpleRouter()
router.register("supply-items", ItemViewSet, basename="item")
router.register("warehouses", WarehouseViewSet, basename="warehouse")
router.register("stock-movements", MovementViewSet, basename="movement")
router.register("donations", DonationViewSet, basename="donation")
router.register("supply-requests", SupplyRequestViewSet, basename="supplyrequest")
router.register("allocations", AllocationViewSet, basename="allocation")
router.register("funds", FundViewSet, basename="fund")

urlpatterns = router.urls
