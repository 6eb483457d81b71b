from rest_framework.routers import SimpleRouter

from .views import PairingViewSet

router = SimpleRouter()
router.register("pairings", PairingViewSet, basename="pairing")

urlpatterns = router.urls
