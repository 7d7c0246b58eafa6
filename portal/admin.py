from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

from portal.models import Agency, AuditEvent, SharingAgreement, User


def _admin_login(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    """The admin has no sign-in of its own: the portal's, with its second factor and lockout."""
    return redirect_to_login(request.GET.get("next") or "/admin/")


def _admin_has_permission(request: HttpRequest) -> bool:
    # Platform operators only (superusers, verified with the second factor). Agency
    # administrators manage their own agency's users on the portal's Users page.
    user: Any = request.user
    return bool(user.is_active and user.is_superuser and user.is_verified())


admin.site.login = _admin_login  # type: ignore[method-assign]
admin.site.has_permission = _admin_has_permission  # type: ignore[method-assign]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin[Agency]):
    list_display = ["name", "ori", "state"]
    search_fields = ["name", "ori"]


@admin.register(User)
class PortalUserAdmin(UserAdmin[User]):
    list_display = ["username", "agency", "role", "is_active", "locked_at"]
    list_filter = ["role", "agency", "is_active"]
    readonly_fields = ["locked_at", "session_version"]
    actions = ["unlock"]

    @admin.action(description="Unlock the selected accounts")
    def unlock(self, request: HttpRequest, queryset: Any) -> None:
        from portal.lockout import user_unlock

        for user in queryset:
            user_unlock(user=user, by=request.user, request=request)  # type: ignore[arg-type]

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        from portal.audit import audit_log
        from portal.choices import AuditEventType
        from portal.security import sessions_end_all

        row = User.objects.filter(pk=obj.pk).values("role", "is_active", "agency_id").first()
        before: dict[str, Any] | None = dict(row) if row is not None else None
        super().save_model(request, obj, form, change)
        after = {"role": obj.role, "is_active": obj.is_active, "agency_id": obj.agency_id}
        changes = {k: [before[k], v] for k, v in after.items() if before and before[k] != v}
        if changes or not change:
            audit_log(
                request=request,
                event_type=AuditEventType.PERMISSION_CHANGE if change else AuditEventType.CREATE,
                obj=obj,
                detail={"username": obj.username, **changes},
            )
        if changes.get("is_active") == [True, False]:
            sessions_end_all(obj)

    fieldsets = (*UserAdmin.fieldsets, ("Agency and role", {"fields": ("agency", "role")}))  # type: ignore[misc]


@admin.register(SharingAgreement)
class SharingAgreementAdmin(admin.ModelAdmin[SharingAgreement]):
    list_display = ["owner", "partner", "is_active", "starts_on", "ends_on"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    """Read-only: the audit trail cannot be changed through the application."""

    list_display = [
        "occurred_at",
        "actor_username",
        "agency",
        "event_type",
        "object_type",
        "object_id",
        "outcome",
        "client_address",
    ]
    list_filter = ["event_type", "outcome"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
