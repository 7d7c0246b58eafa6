"""API tokens: issued after password and TOTP, per user, hashed, expiring, revocable."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from knox.auth import TokenAuthentication
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.audit import audit_log
from portal.choices import AuditEventType, AuditOutcome
from portal.lockout import record_failure
from portal.mfa import code_is_valid, confirmed_device
from portal.security import rate_limited, too_many_requests
from portal.services import api_token_create


class TokenLoginSerializer(serializers.Serializer[Any]):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, trim_whitespace=False)
    otp = serializers.RegexField(r"^\d{6,8}$", help_text="The current TOTP code.")


TokenSerializer = inline_serializer(
    "ApiToken", {"token": serializers.CharField(), "expiry": serializers.DateTimeField()}
)
REFUSED = "Unable to sign in with these credentials."


class TokenLoginView(APIView):
    """Exchange username, password and a TOTP code for an API token (shown once)."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(request=TokenLoginSerializer, responses={200: TokenSerializer})
    def post(self, request: Request) -> Response:
        if rate_limited(request._request, "api_token"):
            return too_many_requests(request._request)  # type: ignore[return-value]
        serializer = TokenLoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        # authenticate() applies the lockout and audits a wrong password.
        user = authenticate(request._request, username=data["username"], password=data["password"])
        if user is None:
            return Response({"detail": REFUSED}, status=status.HTTP_400_BAD_REQUEST)
        device = confirmed_device(user)
        if device is None or not code_is_valid(device, data["otp"]):
            audit_log(
                request=request._request,
                event_type=AuditEventType.LOGIN_FAILED,
                outcome=AuditOutcome.FAILURE,
                user=None,
                username=user.get_username(),
                detail={"factor": "totp", "path": "api_token"},
            )
            record_failure(request._request, user.get_username())
            return Response({"detail": REFUSED}, status=status.HTTP_400_BAD_REQUEST)
        audit_log(
            request=request._request,
            event_type=AuditEventType.LOGIN,
            user=user,
            detail={"path": "api_token"},
        )
        hours = settings.PORTAL_API_TOKEN_HOURS
        token = api_token_create(user=user, hours=hours, request=request._request)
        return Response({"token": token, "expiry": timezone.now() + timedelta(hours=hours)})


class TokenRevokeView(APIView):
    """Revoke the token this request is made with."""

    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        token: Any = request.auth
        token.delete()
        audit_log(
            request=request._request,
            event_type=AuditEventType.DELETE,
            object_type="knox.authtoken",
            object_id=token.token_key,
            user=request.user,
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
