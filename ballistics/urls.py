from django.urls import path

from ballistics import views

app_name = "ballistics"

urlpatterns = [
    path("", views.evidence_list, name="evidence_list"),
    path("new/", views.evidence_new, name="evidence_new"),
    path("<int:pk>/", views.evidence_detail, name="evidence_detail"),
    path("<int:pk>/custody/", views.evidence_custody, name="evidence_custody"),
    path("<int:pk>/photographs/", views.evidence_photograph, name="evidence_photograph"),
    path("<int:pk>/scans/", views.evidence_scan, name="evidence_scan"),
    path("scans/<int:pk>/", views.scan_detail, name="scan_detail"),
    path("scans/<int:pk>/original.x3p", views.scan_download, name="scan_download"),
    path("scans/<int:pk>/surface.png", views.scan_surface, name="scan_surface"),
    path("candidates/<int:pk>/", views.candidate_detail, name="candidate_detail"),
    path("candidates/<int:pk>/decide/", views.candidate_decide, name="candidate_decide"),
    path("candidates/<int:pk>/<slug:which>.png", views.candidate_image, name="candidate_image"),
    path("photographs/<int:pk>/", views.photograph_display, name="photograph_display"),
    path("photographs/<int:pk>/original/", views.photograph_download, name="photograph_download"),
]
