from rest_framework.routers import SimpleRouter

from .views import PersonStatusViewSet, StatusOverrideViewSet

router = SimpleRouter()
router.register("statuses", PersonStatusViewSet, basename="personstatus")
router.register("status-overrides", StatusOverrideViewSet, basename="statusoverride")

urlpatterns = router.urls
