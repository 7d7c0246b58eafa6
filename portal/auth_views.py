"""Sign-in in two steps (password, then TOTP), enrolment, and the user's own security page."""

from __future__ import annotations

import time
from typing import Any

import django_otp
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import PasswordChangeView
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from knox.models import AuthToken

from portal.audit import audit_log
from portal.choices import AuditEventType, AuditOutcome
from portal.lockout import record_failure
from portal.mfa import (
    base32_secret,
    code_is_valid,
    confirmed_device,
    device_confirm,
    enrolment_device,
    mfa_reset,
    qr_code_svg,
)
from portal.models import User
from portal.security import is_verified, rate_limited, too_many_requests
from portal.services import api_token_create, api_token_revoke

PENDING_USER = "portal_pending_user"
PENDING_AT = "portal_pending_at"
PENDING_HASH = "portal_pending_hash"
# The password step is good for this long; then the user starts again.
PENDING_SECONDS = 5 * 60
BACKEND = "portal.lockout.LockoutModelBackend"


class NoticeAuthenticationForm(AuthenticationForm):
    """Sign-in that requires the system-use notice to be acknowledged (CJIS AC-8)."""

    acknowledge = forms.BooleanField(
        required=True,
        label="I have read the notice above and accept the conditions of use.",
        error_messages={"required": "You must acknowledge the system-use notice to sign in."},
    )


class CodeForm(Form):
    code = forms.CharField(
        label="Six-digit code from your authenticator app",
        max_length=10,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


def _pending_user(request: HttpRequest) -> User | None:
    """The user who passed the password step in this browser and still may finish signing in."""
    if request.user.is_authenticated:  # signed in by another path, second factor missing
        return request.user
    pk = request.session.get(PENDING_USER)
    started = request.session.get(PENDING_AT, 0)
    if pk is None or time.time() - started > PENDING_SECONDS:
        return None
    user = User.objects.filter(pk=pk, is_active=True, locked_at__isnull=True).first()
    if user is None or user.get_session_auth_hash() != request.session.get(PENDING_HASH):
        return None
    return user


def _clear_pending(request: HttpRequest) -> None:
    for key in (PENDING_USER, PENDING_AT, PENDING_HASH):
        request.session.pop(key, None)


@sensitive_post_parameters("password")
@never_cache
def login_view(request: HttpRequest) -> HttpResponse:
    """Step one: the system-use notice, username and password. No session is signed in yet."""
    if is_verified(request.user):
        return redirect(_next_url(request))
    if request.method == "POST" and rate_limited(request, "login"):
        return too_many_requests(request)
    form = NoticeAuthenticationForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        request.session.cycle_key()
        request.session[PENDING_USER] = user.pk
        request.session[PENDING_AT] = time.time()
        request.session[PENDING_HASH] = user.get_session_auth_hash()
        target = reverse("login_otp")
        next_url = request.POST.get("next")
        return redirect(f"{target}?{urlencode({'next': next_url})}" if next_url else target)
    return render(
        request,
        "registration/login.html",
        {"form": form, "next": request.POST.get("next") or request.GET.get("next", "")},
    )


@sensitive_post_parameters("code")
@never_cache
def login_otp(request: HttpRequest) -> HttpResponse:
    """Step two: the TOTP code; on first sign-in, enrolment of the authenticator app."""
    if request.method == "POST" and rate_limited(request, "otp"):
        return too_many_requests(request)
    user = _pending_user(request)
    if user is None:
        messages.info(request, "Please sign in.")
        return redirect("login")
    device = confirmed_device(user)
    enrolling = device is None
    if device is None:
        device = enrolment_device(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if code_is_valid(device, form.cleaned_data["code"]):
            if enrolling:
                device_confirm(device=device, request=request)
            if not request.user.is_authenticated:
                user.otp_device = device  # type: ignore[attr-defined]
                login(request, user, backend=BACKEND)
            django_otp.login(request, device)
            _clear_pending(request)
            return redirect(_next_url(request))
        audit_log(
            request=request,
            event_type=AuditEventType.LOGIN_FAILED,
            outcome=AuditOutcome.FAILURE,
            user=None,
            username=user.get_username(),
            detail={"factor": "totp"},
        )
        record_failure(request, user.get_username())
        form.add_error(
            "code", "That code is not valid. Codes change every 30 seconds and work once."
        )
    context: dict[str, Any] = {
        "form": form,
        "enrolling": enrolling,
        "next": request.POST.get("next") or request.GET.get("next", ""),
    }
    if enrolling:
        context["secret"] = base32_secret(device)
        context["qr_svg"] = qr_code_svg(device)
    return render(request, "registration/otp.html", context)


class PortalPasswordChangeView(PasswordChangeView):
    template_name = "registration/password_change.html"
    success_url = reverse_lazy("account_security")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        audit_log(
            request=self.request,
            event_type=AuditEventType.PASSWORD_CHANGE,
            obj=self.request.user,  # type: ignore[arg-type]
        )
        messages.success(self.request, "Your password was changed; your other sessions ended.")
        return response


class ResetSecondFactorForm(Form):
    password = forms.CharField(label="Your password", widget=forms.PasswordInput)


@login_required
def account_security(request: HttpRequest) -> HttpResponse:
    """The user's own password, second factor and API tokens."""
    user: User = request.user  # type: ignore[assignment]
    tokens = AuthToken.objects.filter(user=user).order_by("-created")
    return render(
        request,
        "registration/account_security.html",
        {
            "device": confirmed_device(user),
            "tokens": tokens,
            "reset_form": ResetSecondFactorForm(),
            "new_token": request.session.pop("portal_new_token", None),
            "token_hours": settings.PORTAL_API_TOKEN_HOURS,
        },
    )


@login_required
@require_POST
@sensitive_post_parameters("password")
def account_mfa_reset(request: HttpRequest) -> HttpResponse:
    """Replace one's own authenticator: the password again, then enrolment at next sign-in."""
    user: User = request.user  # type: ignore[assignment]
    form = ResetSecondFactorForm(request.POST)
    if not form.is_valid() or not user.check_password(form.cleaned_data["password"]):
        messages.error(request, "Wrong password: your second factor was not changed.")
        return redirect("account_security")
    mfa_reset(user=user, by=user, request=request)
    return redirect("login")


@login_required
@require_POST
def account_token_create(request: HttpRequest) -> HttpResponse:
    token = api_token_create(
        user=request.user,  # type: ignore[arg-type]
        hours=settings.PORTAL_API_TOKEN_HOURS,
        request=request,
    )
    # Shown once on the next page; only its hash is stored.
    request.session["portal_new_token"] = token
    return redirect("account_security")


@login_required
@require_POST
def account_token_revoke(request: HttpRequest, digest: str) -> HttpResponse:
    api_token_revoke(user=request.user, digest=digest, request=request)  # type: ignore[arg-type]
    messages.success(request, "The token was revoked.")
    return redirect("account_security")
