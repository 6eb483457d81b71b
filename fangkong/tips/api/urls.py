from rest_framework.routers import SimpleRouter

from .views import RewardViewSet, TipViewSet

router = SimpleRouter()
router.register("tips", TipViewSet, basename="tip")
router.register("tip-rewards", RewardViewSet, basename="reward")

urlpatterns = router.urls
