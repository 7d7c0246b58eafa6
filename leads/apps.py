from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "leads"
    verbose_name = "Resolution, graph and leads"
    nav_order = 40
