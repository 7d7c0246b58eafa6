"""Ballistic evidence: casings and test-fires, 3D scans, correlation, candidate review."""

from django.apps import AppConfig

from portal.choices import Role


class BallisticsConfig(AppConfig):
    name = "ballistics"
    verbose_name = "Ballistic evidence"
    nav_order = 30
    nav_items = [("Ballistic evidence", "ballistics:evidence_list", tuple(Role.values))]

    def ready(self) -> None:
        # Registers the "ballistics_correlate" job handler (queue "correlation").
        from ballistics import services  # noqa: F401
