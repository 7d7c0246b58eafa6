from django.urls import path

from portal.incidents import views

app_name = "incidents"

urlpatterns = [
    path("incidents/", views.incident_list, name="incident_list"),
    path("incidents/<int:pk>/", views.incident_detail, name="incident_detail"),
    path("alerts/", views.alert_list, name="alert_list"),
    path("alerts/map/", views.alert_map_view, name="alert_map"),
    path("alerts/live/", views.alert_live, name="alert_live"),
    path("alerts/live.json", views.alert_live_json, name="alert_live_json"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert_detail"),
]
