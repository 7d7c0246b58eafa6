"""Entity pages: mounted at /entities/ by portal/urls.py (url names entity_*)."""

from django.urls import path

from leads import entity_views

urlpatterns = [
    path("", entity_views.entity_list, name="entity_list"),
    path("review/", entity_views.entity_review, name="entity_review"),
    path("review/<int:pk>/decide/", entity_views.entity_review_decide, name="entity_review_decide"),
    path(
        "judgements/<int:pk>/undo/",
        entity_views.entity_judgement_undo,
        name="entity_judgement_undo",
    ),
    path("<int:pk>/", entity_views.entity_detail, name="entity_detail"),
    path("<int:pk>/network/", entity_views.entity_network, name="entity_network"),
    path("<int:pk>/network.csv", entity_views.entity_network_csv, name="entity_network_csv"),
]
