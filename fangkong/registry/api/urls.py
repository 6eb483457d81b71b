from rest_framework.routers import SimpleRouter

from .views import BuildingViewSet, HouseholdViewSet, ResidentViewSet

router = SimpleRouter()
router.register("residents", ResidentViewSet, basename="resident")
router.register("households", HouseholdViewSet, basename="household")
router.register("buildings", BuildingViewSet, basename="building")

urlpatterns = router.urls
