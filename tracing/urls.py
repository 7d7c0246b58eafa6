from django.urls import path

from tracing import analytics_views, views

app_name = "tracing"

urlpatterns = [
    path("", views.trace_list, name="trace_list"),
    path("export.csv", views.trace_export, name="trace_export"),
    path("<int:pk>/", views.trace_detail, name="trace_detail"),
    path("firearms/<int:pk>/", views.firearm_detail, name="firearm_detail"),
    path("dealers/<int:pk>/", views.dealer_detail, name="dealer_detail"),
    path("purchasers/<int:pk>/", views.purchaser_detail, name="purchaser_detail"),
    path("analytics/", analytics_views.overview, name="analytics"),
    path("analytics/dealers/", analytics_views.dealers, name="analytics_dealers"),
    path("analytics/trafficking/", analytics_views.trafficking, name="trafficking"),
    path("analytics/trafficking.csv", analytics_views.trafficking_csv, name="trafficking_csv"),
    path("analytics/weights/", analytics_views.weights, name="trafficking_weights"),
    path("analytics/<slug:name>.csv", analytics_views.chart_csv, name="analytics_csv"),
]
