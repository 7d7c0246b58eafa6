"""Shared API behaviour: scoping through visible_to and audited retrieval."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from portal.audit import audit_view


class ScopedReadOnlyViewSet(viewsets.ReadOnlyModelViewSet[Any]):
    """A read-only endpoint over `scoped_queryset`, filtered by visible_to(user).

    Subclasses set `scoped_queryset` (an AgencyScopedQuerySet); the scoping is
    applied here once, so no endpoint can forget it. Retrieving one record is
    audited as a view.
    """

    scoped_queryset: QuerySet[Any]

    def get_queryset(self) -> QuerySet[Any]:
        return self.scoped_queryset.visible_to(self.request.user)  # type: ignore[attr-defined]

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()
        audit_view(request, instance)
        return Response(self.get_serializer(instance).data)
