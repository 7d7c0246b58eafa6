from rest_framework.routers import DefaultRouter

from ballistics.api import views

router = DefaultRouter()
router.register("evidence", views.EvidenceViewSet, basename="evidence")
router.register("scans", views.ScanViewSet, basename="scan")
router.register("candidates", views.CandidateViewSet, basename="candidate")

urlpatterns = router.urls
