from django.apps import AppConfig


class BallisticsConfig(AppConfig):
    name = "ballistics"
    verbose_name = "Ballistic evidence"
    nav_order = 30
