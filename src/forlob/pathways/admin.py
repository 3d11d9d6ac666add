from django.contrib import admin

from forlob.pathways.models import DropoutReason


@admin.register(DropoutReason)
class DropoutReasonAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "ordering", "is_active"]
    list_editable = ["ordering", "is_active"]
