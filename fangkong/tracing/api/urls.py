from rest_framework.routers import SimpleRouter

from .views import CaseViewSet, ContactViewSet

router = SimpleRouter()
router.register("cases", CaseViewSet, basename="case")
router.register("contacts", ContactViewSet, basename="contact")

urlpatterns = router.urls
