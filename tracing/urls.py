from django.urls import path

from tracing import views

app_name = "tracing"

urlpatterns = [
    path("", views.trace_list, name="trace_list"),
    path("export.csv", views.trace_export, name="trace_export"),
    path("<int:pk>/", views.trace_detail, name="trace_detail"),
    path("firearms/<int:pk>/", views.firearm_detail, name="firearm_detail"),
    path("dealers/<int:pk>/", views.dealer_detail, name="dealer_detail"),
    path("purchasers/<int:pk>/", views.purchaser_detail, name="purchaser_detail"),
]
