from django.urls import path
from rest_framework.routers import DefaultRouter

from portal.api import views

router = DefaultRouter()
router.register("agencies", views.AgencyViewSet, basename="agency")
router.register("jobs", views.JobViewSet, basename="job")

urlpatterns = [path("me/", views.me, name="api_me"), *router.urls]
