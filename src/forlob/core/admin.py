from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from forlob.core.models import (
    Competency,
    Location,
    Municipality,
    Provider,
    RoleAssignment,
    Team,
    Unit,
    User,
)


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    extra = 1


class CompetencyInline(admin.TabularInline):
    model = Competency
    extra = 0


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [RoleInline, CompetencyInline]
    list_display = ["username", "first_name", "last_name", "team", "provider", "is_active"]
    list_filter = ["team", "provider", "is_active", "role_assignments__role"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (
            _("Organisation"),
            {
                "fields": (
                    "municipality",
                    "team",
                    "provider",
                    "profession",
                    "max_new_citizens_per_day",
                )
            },
        ),
    )


admin.site.register(Municipality)
admin.site.register(Unit)
admin.site.register(Team)
admin.site.register(Location)
admin.site.register(Provider)
admin.site.site_header = _("Forløb administration")
