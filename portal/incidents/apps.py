from django.apps import AppConfig

from portal.choices import Role


class IncidentsConfig(AppConfig):
    name = "portal.incidents"
    label = "incidents"
    verbose_name = "Incidents and gunshot alerts"
    default_auto_field = "django.db.models.BigAutoField"
    nav_items = [
        ("Incidents", "incidents:incident_list", tuple(Role.values)),
        ("Alerts", "incidents:alert_list", tuple(Role.values)),
        ("Live alerts", "incidents:alert_live", tuple(Role.values)),
    ]
    nav_order = 5

    def ready(self) -> None:
        from portal.incidents import import_jobs  # noqa: F401  (registers the importers)
