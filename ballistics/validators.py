"""Entry rules shared by the lab forms and the API serializers.

They raise Django's ValidationError, which a form shows on the field and DRF
turns into the same field error in the JSON answer, so a rule is written once.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone

from ballistics.choices import Decision
from ballistics.models import Evidence


def exhibit_number_clean(*, agency_id: int | None, exhibit_number: str) -> str:
    """The stripped exhibit number, refused when the agency already uses it."""
    number = exhibit_number.strip()
    if not number:
        raise ValidationError("An exhibit number is required.")
    if Evidence.objects.filter(agency_id=agency_id or 0, exhibit_number=number).exists():
        raise ValidationError("Your agency already has an exhibit with this number.")
    return number


def not_in_future(
    value: dt.datetime | None, message: str = "The time is in the future."
) -> dt.datetime | None:
    """A recovery or custody time cannot be later than now."""
    if value and value > timezone.now():
        raise ValidationError(message)
    return value


def decision_problem(decision: str, examined_on: dt.date | None) -> str | None:
    """Why this examiner decision cannot be recorded (about its examination date), or None."""
    if decision == Decision.CONFIRMED and not examined_on:
        return "A confirmed match needs the examination date."
    if examined_on and examined_on > timezone.localdate():
        return "The date is in the future."
    return None


def decision_check(decision: str, examined_on: dt.date | None) -> None:
    """Raise the decision's problem as an error on its examination date field."""
    problem = decision_problem(decision, examined_on)
    if problem:
        raise ValidationError({"examined_on": problem})
