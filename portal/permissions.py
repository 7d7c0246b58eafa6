"""Who may do what, by role (SECURITY.md item 8, least privilege; DESIGN.md "Who uses it").

| action                                   | detective | analyst | lab | supervisor | admin |
|------------------------------------------|-----------|---------|-----|------------|-------|
| read records of their agency and sharers |     x     |    x    |  x  |     x      |   x   |
| enter evidence (casings, test-fires)     |           |         |  x  |            |       |
| import files                             |           |    x    |  x  |     x      |   x   |
| export person data (CSV/XLSX/PDF)        |     x     |    x    |     |     x      |       |
| review the audit trail (and export it)   |           |         |     |     x      |   x   |
| manage users of their own agency         |           |         |     |            |   x   |
| set the agency's trafficking-index weights|           |         |     |     x      |   x   |
| assign leads (triage, bulk assignment)   |           |    x    |     |     x      |       |
| work a lead (status, outcome)            |     x     |    x    |     |     x      |       |
| set the agency's lead-rule thresholds    |           |         |     |     x      |   x   |

Apps check these with `user_can(user, ACTION)` or the `role_required(ACTION)` decorator,
so that the matrix lives in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from portal.choices import Role

ENTER_EVIDENCE = "enter_evidence"
IMPORT_FILES = "import_files"
EXPORT_PERSON_DATA = "export_person_data"
REVIEW_AUDIT = "review_audit"
MANAGE_USERS = "manage_users"
SET_INDEX_WEIGHTS = "set_index_weights"
ASSIGN_LEADS = "assign_leads"
WORK_LEADS = "work_leads"
SET_LEAD_RULES = "set_lead_rules"

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    ENTER_EVIDENCE: frozenset({Role.LAB}),
    IMPORT_FILES: frozenset({Role.ANALYST, Role.LAB, Role.SUPERVISOR, Role.ADMIN}),
    EXPORT_PERSON_DATA: frozenset({Role.DETECTIVE, Role.ANALYST, Role.SUPERVISOR}),
    REVIEW_AUDIT: frozenset({Role.SUPERVISOR, Role.ADMIN}),
    MANAGE_USERS: frozenset({Role.ADMIN}),
    SET_INDEX_WEIGHTS: frozenset({Role.SUPERVISOR, Role.ADMIN}),
    ASSIGN_LEADS: frozenset({Role.ANALYST, Role.SUPERVISOR}),
    WORK_LEADS: frozenset({Role.DETECTIVE, Role.ANALYST, Role.SUPERVISOR}),
    SET_LEAD_RULES: frozenset({Role.SUPERVISOR, Role.ADMIN}),
}


def user_can(user: Any, action: str) -> bool:
    """True when the signed-in, active user's role allows `action`."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if getattr(user, "agency_id", None) is None:
        return False
    return getattr(user, "role", None) in ROLE_PERMISSIONS[action]


ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponseBase])


def role_required(action: str) -> Callable[[ViewFunc], ViewFunc]:
    """View decorator: 403 unless the user's role allows `action` (use with login_required)."""

    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not user_can(request.user, action):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator
