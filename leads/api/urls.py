from rest_framework.routers import DefaultRouter

from leads.api import views

router = DefaultRouter()
router.register("entities", views.EntityViewSet, basename="entity")

urlpatterns = router.urls
