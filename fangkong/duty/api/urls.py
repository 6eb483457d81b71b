from rest_framework.routers import SimpleRouter

from .views import HandoverViewSet, InboxViewSet, NoticeViewSet, ShiftViewSet, WorkingGroupViewSet

router = SimpleRouter()
router.register("working-groups", WorkingGroupViewSet, basename="workinggroup")
router.register("shifts", ShiftViewSet, basename="shift")
router.register("handovers", HandoverViewSet, basename="handover")
router.register("notices", NoticeViewSet, basename="notice")
router.register("inbox", InboxViewSet, basename="inbox")

urlpatterns = router.urls
