from django.contrib import admin

from tracing.models import CaliberAlias, Dealer, ManufacturerAlias, SerialRule


@admin.register(ManufacturerAlias)
class ManufacturerAliasAdmin(admin.ModelAdmin[ManufacturerAlias]):
    list_display = ["alias", "canonical"]
    search_fields = ["alias", "canonical"]


@admin.register(CaliberAlias)
class CaliberAliasAdmin(admin.ModelAdmin[CaliberAlias]):
    list_display = ["alias", "canonical"]
    search_fields = ["alias", "canonical"]


@admin.register(SerialRule)
class SerialRuleAdmin(admin.ModelAdmin[SerialRule]):
    list_display = ["manufacturer", "confusable_from", "confusable_to", "note"]


@admin.register(Dealer)
class DealerAdmin(admin.ModelAdmin[Dealer]):
    list_display = ["ffl_number", "license_name", "business_name", "premise_state", "in_ffl_list"]
    search_fields = ["ffl_number", "license_name", "business_name"]
    readonly_fields = ["ffl_key", "created_at", "updated_at"]
