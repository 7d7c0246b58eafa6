from django.urls import path
from rest_framework.routers import DefaultRouter

from portal.api import tokens, views

router = DefaultRouter()
router.register("agencies", views.AgencyViewSet, basename="agency")
router.register("jobs", views.JobViewSet, basename="job")

urlpatterns = [
    path("me/", views.me, name="api_me"),
    path("auth/token/", tokens.TokenLoginView.as_view(), name="api_token_login"),
    path("auth/token/revoke/", tokens.TokenRevokeView.as_view(), name="api_token_revoke"),
    *router.urls,
]
