from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from portal.models import Agency, AuditEvent, SharingAgreement, User


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin[Agency]):
    list_display = ["name", "ori", "state"]
    search_fields = ["name", "ori"]


@admin.register(User)
class PortalUserAdmin(UserAdmin[User]):
    list_display = ["username", "agency", "role", "is_active"]
    list_filter = ["role", "agency", "is_active"]
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
