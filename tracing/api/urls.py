from rest_framework.routers import DefaultRouter

from tracing.api import views

router = DefaultRouter()
router.register("traces", views.TraceViewSet, basename="trace")
router.register("firearms", views.FirearmViewSet, basename="firearm")
router.register("dealers", views.DealerViewSet, basename="dealer")
router.register("purchasers", views.PurchaserViewSet, basename="purchaser")

urlpatterns = router.urls
