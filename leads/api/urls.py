from rest_framework.routers import DefaultRouter

from leads.api import views

router = DefaultRouter()
router.register("leads", views.LeadViewSet, basename="lead")

urlpatterns = router.urls
