"""Evidence, scans and candidates: scoped reads for all; entry and decisions for the lab."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from ballistics import selectors, services
from ballistics.api.serializers import (
    CandidateSerializer,
    DecisionSerializer,
    EvidenceDetailSerializer,
    EvidenceSerializer,
    ScanSerializer,
    ScanUploadResultSerializer,
    ScanUploadSerializer,
)
from ballistics.filtersets import CandidateFilterSet, EvidenceFilterSet
from ballistics.models import Candidate, Evidence, Scan
from ballistics.x3p import X3PError
from portal.api.mixins import ScopedReadOnlyViewSet
from portal.models import visible_agency_filter
from portal.permissions import ENTER_EVIDENCE, user_can


def _require_lab(request: Request) -> None:
    if not user_can(request.user, ENTER_EVIDENCE):
        raise PermissionDenied("Only lab staff enter evidence and decide on candidates.")


class EvidenceViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """Casings and test-fires. POST registers one for your agency (lab role)."""

    scoped_queryset = Evidence.objects.select_related("agency", "incident").order_by(
        "-created_at", "-pk"
    )
    filterset_class = EvidenceFilterSet

    def get_queryset(self) -> QuerySet[Any]:
        queryset = super().get_queryset()
        if self.action == "retrieve":
            return queryset.prefetch_related("scans", "photographs")
        return queryset

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        return EvidenceDetailSerializer if self.action == "retrieve" else EvidenceSerializer

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        _require_lab(request)
        serializer = EvidenceSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        evidence = services.evidence_create(
            user=request.user,  # type: ignore[arg-type]
            request=request,
            **serializer.validated_data,
        )
        return Response(
            EvidenceSerializer(evidence, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class ScanViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """3D breech-face scans. POST uploads an X3P file for your evidence (lab role)."""

    scoped_queryset = Scan.objects.defer("prepared", "signature").order_by("pk")
    serializer_class = ScanSerializer
    filterset_fields = ["evidence", "caliber"]
    parser_classes = [MultiPartParser, FormParser]  # the upload is the only body

    @extend_schema(
        request={"multipart/form-data": ScanUploadSerializer},
        responses={201: ScanUploadResultSerializer, 200: ScanUploadResultSerializer},
        description="Upload an X3P scan of one of your agency's evidence items. The scan is "
        "checked (a zip holding main.xml and the declared binary data, within size limits), "
        "stored with its SHA-256 and correlated by a worker: follow the job, then list "
        "/api/v1/candidates/?query=<scan id>. The same file again answers 200 with the "
        "stored scan.",
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        _require_lab(request)
        form = ScanUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        evidence = Evidence.objects.filter(
            pk=form.validated_data["evidence"],
            agency_id=getattr(request.user, "agency_id", None) or 0,
        ).first()
        if evidence is None:
            raise ValidationError({"evidence": ["No evidence of your agency has this id."]})
        upload = form.validated_data["file"]
        try:
            scan, created = services.scan_upload(
                evidence=evidence,
                user=request.user,  # type: ignore[arg-type]
                upload=upload,
                request=request,
            )
        except X3PError as error:
            raise ValidationError({"file": [str(error)]}) from error
        job = selectors.scan_latest_job(request.user, scan)
        data = {**ScanSerializer(scan).data, "job": job.pk if job else None, "created": created}
        return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class CandidateViewSet(ScopedReadOnlyViewSet):
    """Ranked candidates of a scan (filter ?query=<scan id>), with scores and alignment."""

    serializer_class = CandidateSerializer
    filterset_class = CandidateFilterSet

    def get_queryset(self) -> QuerySet[Any]:
        # The candidate scan too must be visible (a sharing agreement may have ended).
        candidate_visible = visible_agency_filter(self.request.user, "candidate__agency_id")
        if candidate_visible is None:
            return Candidate.objects.none()
        return (
            Candidate.objects.visible_to(self.request.user)
            .filter(candidate_visible)
            .order_by("query", "rank", "pk")
        )

    @extend_schema(request=DecisionSerializer, responses={200: CandidateSerializer})
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str | None = None) -> Response:
        """Record the examiner's decision (lab role of the candidate's agency)."""
        _require_lab(request)
        candidate = self.get_object()
        if candidate.agency_id != getattr(request.user, "agency_id", None):
            raise NotFound
        form = DecisionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        decided = services.candidate_decide(
            candidate=candidate,
            decision=form.validated_data["decision"],
            user=request.user,  # type: ignore[arg-type]
            examined_on=form.validated_data.get("examined_on"),
            request=request,
        )
        return Response(CandidateSerializer(decided).data)
