"""Reference data of everyday rehabilitation (no citizen data: that stays behind the access
layer, never in the admin)."""

from django.contrib import admin

from forlob.homecare.models import (
    CareGroup,
    Criterion,
    HomecareService,
    HomecareSettings,
    ProviderKeyPerson,
)


@admin.register(HomecareSettings)
class HomecareSettingsAdmin(admin.ModelAdmin):
    list_display = [
        "municipality",
        "default_weeks",
        "max_weeks",
        "start_meeting_days",
        "hourly_rate",
        "package_1_minutes",
        "package_2_minutes",
        "package_3_minutes",
    ]


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "code", "needs_text", "ordering", "is_active"]
    list_editable = ["ordering", "is_active"]
    list_filter = ["kind"]


@admin.register(HomecareService)
class HomecareServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "area", "ordering", "is_active"]
    list_editable = ["ordering", "is_active"]
    list_filter = ["area"]


@admin.register(ProviderKeyPerson)
class ProviderKeyPersonAdmin(admin.ModelAdmin):
    list_display = ["user", "provider", "is_active"]
    list_filter = ["provider"]


@admin.register(CareGroup)
class CareGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "provider"]
    list_filter = ["provider"]
    filter_horizontal = ["members"]
