from rest_framework.routers import SimpleRouter

from .views import CommodityViewSet, MarketViewSet, PriceLineViewSet

router = SimpleRouter()
router.register("markets", MarketViewSet, basename="market")
router.register("commodities", CommodityViewSet, basename="commodity")
router.register("price-lines", PriceLineViewSet, basename="priceline")

urlpatterns = router.urls
