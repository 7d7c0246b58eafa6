"""Shared steps of the security tests: the real two-step sign-in."""

from __future__ import annotations

from typing import Any

from django.test import Client

from tests.conftest import totp_code


def password_step(client: Client, username: str, password: str, **extra: Any) -> Any:
    return client.post(
        "/login/", {"username": username, "password": password, "acknowledge": "on"}, **extra
    )


def sign_in(client: Client, user: Any, password: str, **extra: Any) -> Any:
    """Password (with the system-use notice), then the current TOTP code."""
    password_step(client, user.username, password, **extra)
    return client.post("/login/otp/", {"code": totp_code(user)}, **extra)


def is_signed_in(client: Client) -> bool:
    response = client.get("/")
    return response.status_code == 200
