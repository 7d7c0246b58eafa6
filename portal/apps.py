from django.apps import AppConfig

from portal.choices import Role


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal platform"
    # (label, url name, roles that see it); read by portal.context_processors.
    nav_items = [
        ("Dashboard", "dashboard", tuple(Role.values)),
        ("Imports", "import_index", (Role.ANALYST, Role.LAB, Role.SUPERVISOR, Role.ADMIN)),
        ("Jobs", "job_list", (Role.ANALYST, Role.LAB, Role.SUPERVISOR, Role.ADMIN)),
        ("Audit", "audit_list", (Role.SUPERVISOR, Role.ADMIN)),
        ("Users", "user_list", (Role.ADMIN,)),
        ("API", "api_docs", tuple(Role.values)),
        ("Account", "account_security", tuple(Role.values)),
    ]
    nav_order = 0

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

        from portal import signals

        user_logged_in.connect(signals.on_login, dispatch_uid="portal_audit_login")
        user_logged_out.connect(signals.on_logout, dispatch_uid="portal_audit_logout")
        user_login_failed.connect(signals.on_login_failed, dispatch_uid="portal_audit_failed")

        from django.contrib.admin.models import LogEntry
        from django.db.models.signals import post_save

        post_save.connect(signals.on_admin_log_entry, sender=LogEntry, dispatch_uid="portal_admin")
