"""Only the municipality's reminder setting is in the admin. Messages hold citizen data and
stay out of it: the admin would bypass the access check and the audit log."""

from django.contrib import admin

from forlob.notifications.models import ReminderSetting


@admin.register(ReminderSetting)
class ReminderSettingAdmin(admin.ModelAdmin):
    list_display = ["municipality", "enabled", "offsets_minutes", "sms", "email", "contact_phone"]
