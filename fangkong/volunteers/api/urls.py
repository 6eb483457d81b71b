from rest_framework.routers import SimpleRouter

from .views import (
    AssignmentViewSet,
    NeedViewSet,
    PartyReportViewSet,
    ShiftViewSet,
    TeamViewSet,
    VolunteerViewSet,
)

router = SimpleRouter()
router.register("volunteers", VolunteerViewSet, basename="volunteer")
router.register("volunteer-needs", NeedViewSet, basename="volunteer-need")
router.register("volunteer-tasks", AssignmentViewSet, basename="volunteer-task")
router.register("volunteer-shifts", ShiftViewSet, basename="volunteer-shift")
router.register("party-reports", PartyReportViewSet, basename="party-report")
router.register("volunteer-teams", TeamViewSet, basename="volunteer-team")

urlpatterns = router.urls
