from rest_framework.routers import SimpleRouter

from portal.incidents.api import views

router = SimpleRouter()
router.register("incidents", views.IncidentViewSet, basename="incident")
router.register("shotspotter/alerts", views.AlertViewSet, basename="shotspotter-alert")
router.register("alert-incident-links", views.AlertIncidentLinkViewSet, basename="alert-link")

urlpatterns = router.urls
