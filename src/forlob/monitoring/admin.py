from django.contrib import admin

from forlob.monitoring.models import KpiSettings, ReportRun


@admin.register(KpiSettings)
class KpiSettingsAdmin(admin.ModelAdmin):
    list_display = (
        "municipality",
        "completion_baseline_year",
        "completion_uplift_percent",
        "volume_growth_percent",
    )


@admin.register(ReportRun)
class ReportRunAdmin(admin.ModelAdmin):
    """Reports hold aggregates only; shown for support, never changed here."""

    list_display = ("__str__", "municipality", "requested_by", "status", "progress", "created_at")
    list_filter = ("status", "municipality")
    readonly_fields = [f.name for f in ReportRun._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
