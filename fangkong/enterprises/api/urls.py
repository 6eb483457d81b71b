from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("enterprises", views.EnterpriseViewSet, basename="enterprise")
router.register("industrial-parks", views.IndustrialParkViewSet, basename="industrialpark")
router.register(
    "resumption-applications",
    views.ResumptionApplicationViewSet,
    basename="resumptionapplication",
)
router.register("enterprise-employees", views.EmployeeViewSet, basename="employee")
router.register("liaison-assignments", views.LiaisonAssignmentViewSet, basename="liaisonassignment")
router.register("enterprise-reports", views.DailyReportViewSet, basename="dailyreport")
router.register("enterprise-inspections", views.InspectionViewSet, basename="inspection")
router.register("enterprise-problems", views.InspectionProblemViewSet, basename="inspectionproblem")
router.register("enterprise-difficulties", views.DifficultyViewSet, basename="difficulty")

urlpatterns = router.urls
