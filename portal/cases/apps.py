from django.apps import AppConfig

from portal.choices import Role


class CasesConfig(AppConfig):
    name = "portal.cases"
    label = "cases"
    verbose_name = "Cases and search"
    default_auto_field = "django.db.models.BigAutoField"
    nav_items = [
        ("Cases", "cases:case_list", tuple(Role.values)),
    ]
    nav_order = 4
