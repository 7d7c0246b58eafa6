from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from portal.api.mixins import ScopedReadOnlyViewSet
from portal.api.serializers import AgencySerializer, JobSerializer, MeSerializer
from portal.models import Agency, Job


class AgencyViewSet(ScopedReadOnlyViewSet):
    """Agencies whose records you may see: your own and those sharing with it."""

    scoped_queryset = Agency.objects.all()
    serializer_class = AgencySerializer


class JobViewSet(ScopedReadOnlyViewSet):
    """Background jobs (imports, re-runs) and their progress."""

    scoped_queryset = Job.objects.all()
    serializer_class = JobSerializer


@extend_schema(responses=MeSerializer)
@api_view(["GET"])
def me(request: Request) -> Response:
    """The signed-in user, with role and agency."""
    return Response(MeSerializer(request.user).data)  # type: ignore[arg-type]
