from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from portal import audit_views, user_views, views
from portal import auth_views as portal_auth

# Error pages without stack traces (DEBUG is off outside development).
handler400 = "portal.views.bad_request"
handler403 = "portal.views.permission_denied"
handler404 = "portal.views.page_not_found"
handler500 = "portal.views.server_error"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("login/", portal_auth.login_view, name="login"),
    path("login/otp/", portal_auth.login_otp, name="login_otp"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", portal_auth.account_security, name="account_security"),
    path(
        "account/password/",
        portal_auth.PortalPasswordChangeView.as_view(),
        name="account_password",
    ),
    path("account/mfa/reset/", portal_auth.account_mfa_reset, name="account_mfa_reset"),
    path("account/tokens/new/", portal_auth.account_token_create, name="account_token_create"),
    path(
        "account/tokens/<str:digest>/revoke/",
        portal_auth.account_token_revoke,
        name="account_token_revoke",
    ),
    path("audit/", audit_views.audit_list, name="audit_list"),
    path("audit/export.csv", audit_views.audit_export_csv, name="audit_export"),
    path("users/", user_views.user_list, name="user_list"),
    path("users/new/", user_views.user_new, name="user_new"),
    path("users/<int:pk>/", user_views.user_detail, name="user_detail"),
    path("users/<int:pk>/unlock/", user_views.user_unlock_view, name="user_unlock"),
    path("users/<int:pk>/mfa-reset/", user_views.user_mfa_reset_view, name="user_mfa_reset"),
    path("healthz", views.healthz, name="healthz"),
    path("agencies/<int:pk>/", views.agency_detail, name="agency_detail"),
    path("jobs/", views.job_list, name="job_list"),
    path("jobs/<int:pk>/", views.job_detail, name="job_detail"),
    path("jobs/<int:pk>/status.json", views.job_status, name="job_status"),
    path("imports/", views.import_index, name="import_index"),
    path("imports/<slug:kind>/", views.import_upload, name="import_upload"),
    path("", include("portal.incidents.urls")),
    path("", include("portal.cases.urls")),
    path("api/v1/", include("portal.incidents.api.urls")),
    path("traces/", include("tracing.urls")),
    path("", include("leads.urls")),
    path("entities/", include("leads.entity_urls")),
    path("api/v1/", include("portal.api.urls")),
    path("api/v1/", include("tracing.api.urls")),
    path("api/v1/", include("leads.api.urls")),
    path("ballistics/", include("ballistics.urls")),
    path("api/v1/", include("ballistics.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
    path("admin/", admin.site.urls),
]
