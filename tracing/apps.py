"""e-Trace records: firearms, dealers, purchases, recoveries, traces and indicators."""

from django.apps import AppConfig

from portal.choices import Role


class TracingConfig(AppConfig):
    name = "tracing"
    verbose_name = "Firearm tracing"
    nav_order = 10
    nav_items = [("Traces", "tracing:trace_list", tuple(Role.values))]

    def ready(self) -> None:
        from tracing import import_jobs  # noqa: F401 - registers the importers
