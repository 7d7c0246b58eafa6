"""The second factor: TOTP devices (django-otp), enrolment, verification and reset."""

from __future__ import annotations

import base64
import hashlib
import time
from typing import Any

import segno
from django.conf import settings
from django.http import HttpRequest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.audit import audit_log
from portal.choices import AuditEventType
from portal.models import User
from portal.security import sessions_end_all

DEVICE_NAME = "Authenticator app"


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def enrolment_device(user: User) -> TOTPDevice:
    """The user's unconfirmed device, created on first use; confirmed by a first good code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def base32_secret(device: TOTPDevice) -> str:
    """The secret as authenticator apps expect it to be typed in."""
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


def provisioning_uri(device: TOTPDevice) -> str:
    return str(device.config_url)


def qr_code_svg(device: TOTPDevice) -> str:
    """The provisioning URI as an inline SVG QR code, drawn by the portal itself (no service)."""
    return str(
        segno.make(provisioning_uri(device), error="m").svg_inline(
            scale=4, dark="#1b1f24", light="#ffffff", title="QR code of your authenticator secret"
        )
    )


def code_is_valid(device: TOTPDevice, code: str) -> bool:
    """Check a code: six digits, each accepted once (django-otp keeps the last time step used)."""
    code = code.strip().replace(" ", "")
    if not code.isdigit() or len(code) != device.digits:
        return False
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        return False
    return bool(device.verify_token(code))


def device_confirm(*, device: TOTPDevice, request: HttpRequest | None) -> None:
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_log(
        request=request,
        event_type=AuditEventType.MFA_CHANGE,
        obj=device.user,
        user=device.user,
        detail={"action": "enrolled", "device": "totp"},
    )


def mfa_reset(*, user: User, by: User, request: HttpRequest | None) -> None:
    """Remove the user's devices: they enrol again at next sign-in; their sessions end."""
    TOTPDevice.objects.filter(user=user).delete()
    sessions_end_all(user)
    audit_log(
        request=request,
        event_type=AuditEventType.MFA_CHANGE,
        obj=user,
        user=by,
        detail={"action": "reset", "username": user.get_username()},
    )


# --- the synthetic demo only -------------------------------------------------------------


def demo_secret_hex(username: str) -> str:
    """The fixed, documented TOTP secret of a demo user (20 bytes, hex): demo data only."""
    return hashlib.sha256(f"cgi-portal-demo-totp:{username}".encode()).hexdigest()[:40]


def demo_device_create(user: User) -> TOTPDevice:
    if not settings.PORTAL_DEMO_TOTP:
        raise RuntimeError("Demo TOTP secrets are disabled in these settings.")
    TOTPDevice.objects.filter(user=user).delete()
    return TOTPDevice.objects.create(
        user=user, name=DEVICE_NAME, key=demo_secret_hex(user.get_username()), confirmed=True
    )


def totp_code(device: TOTPDevice, at: float | None = None) -> str:
    """The device's current code (for the demo command and the tests)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = at if at is not None else time.time()
    return f"{totp.token():0{device.digits}d}"


def device_summary(user: User) -> dict[str, Any]:
    device = confirmed_device(user)
    return {"enrolled": device is not None, "created": getattr(device, "created_at", None)}
