"""Password rules beyond Django's own validators (CJIS IA-5(1))."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError


class MaximumLengthValidator:
    """Accept long pass-phrases (64 characters and far beyond) but refuse absurd lengths.

    The cap only keeps a multi-megabyte "password" from tying up the KDF.
    """

    def __init__(self, max_length: int = 256) -> None:
        self.max_length = max_length

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                f"This password is too long: at most {self.max_length} characters.",
                code="password_too_long",
            )

    def get_help_text(self) -> str:
        return f"Your password can be up to {self.max_length} characters long."
