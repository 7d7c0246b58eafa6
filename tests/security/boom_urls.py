"""A URLconf with views that fail, to see what the user is shown."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("internal-detail-that-must-not-leak")


@api_view(["GET"])
def api_boom(request: Request) -> Response:
    raise RuntimeError("internal-detail-that-must-not-leak")


def inline_script(request: HttpRequest) -> HttpResponse:
    nonce = request.csp_nonce
    return HttpResponse(f'<script nonce="{nonce}">window.ok = 1;</script>')


urlpatterns = [
    path("nonce/", inline_script),
    path("boom/", boom),
    path("api/v1/boom/", api_boom),
    path("", include("portal.urls")),
]

handler404 = "portal.views.page_not_found"
handler500 = "portal.views.server_error"
