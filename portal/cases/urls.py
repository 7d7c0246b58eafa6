from django.urls import path

from portal.cases import views

app_name = "cases"

urlpatterns = [
    path("cases/", views.case_list, name="case_list"),
    path("cases/new/", views.case_new, name="case_new"),
    path("cases/add/", views.case_add_item, name="case_add_item"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("search/", views.search_view, name="search"),
]
