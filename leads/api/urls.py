from rest_framework.routers import DefaultRouter

from leads.api import views

router = DefaultRouter()
router.register("leads", views.LeadViewSet, basename="lead")
router.register("entities", views.EntityViewSet, basename="entity")

urlpatterns = router.urls
