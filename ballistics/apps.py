from django.apps import AppConfig


class BallisticsConfig(AppConfig):
    name = "ballistics"
    verbose_name = "Ballistic evidence"
    nav_order = 30

    def ready(self) -> None:
        # Registers the "ballistics_correlate" job handler (queue "correlation").
        from ballistics import services  # noqa: F401
