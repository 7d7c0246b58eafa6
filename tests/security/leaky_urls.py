"""A URLconf with one route that forgets scoping: the walk must catch it."""

from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import include, path

from portal.models import Job


def unscoped_job(request: HttpRequest, pk: int) -> JsonResponse:
    job = get_object_or_404(Job.objects.all(), pk=pk)  # no visible_to(request.user)
    return JsonResponse({"id": job.pk, "label": job.label})


def unscoped_job_list(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {"results": [{"id": pk} for pk in Job.objects.values_list("pk", flat=True)]}
    )


urlpatterns = [
    path("leaky/<int:pk>/", unscoped_job),
    path("leaky/", unscoped_job_list),
    path("", include("portal.urls")),
]
