from django.urls import path

from leads import views

app_name = "leads"

urlpatterns = [
    path("leads/", views.lead_queue, name="lead_queue"),
    path("leads/assign/", views.lead_assign_bulk, name="lead_assign_bulk"),
    path("leads/export.<str:fmt>", views.queue_export, name="queue_export"),
    path("leads/time-to-lead/", views.time_to_lead, name="time_to_lead"),
    path("leads/settings/", views.rule_settings, name="rule_settings"),
    path("leads/<int:pk>/", views.lead_detail, name="lead_detail"),
    path("leads/<int:pk>/assign/", views.lead_assign, name="lead_assign"),
    path("leads/<int:pk>/status/", views.lead_transition, name="lead_transition"),
    path("leads/<int:pk>/seen/", views.lead_seen, name="lead_seen"),
    path("leads/<int:pk>/report.pdf", views.report_pdf, name="report_pdf"),
    path("leads/<int:pk>/report.csv", views.report_csv, name="report_csv"),
    path("leads/<int:pk>/report.xlsx", views.report_xlsx, name="report_xlsx"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("notifications/count.json", views.notification_count, name="notification_count"),
]
