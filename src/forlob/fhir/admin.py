from django.contrib import admin

from forlob.fhir.models import Integration


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "sor_code", "account", "created_at")
    list_filter = ("kind",)
    search_fields = ("name", "sor_code")
    raw_id_fields = ("account",)
