from django.contrib import admin

from forlob.scheduling.models import Absence, WorkingHours


@admin.register(WorkingHours)
class WorkingHoursAdmin(admin.ModelAdmin):
    list_display = ["staff", "weekday", "start_time", "end_time", "location"]
    list_filter = ["weekday", "location"]


@admin.register(Absence)
class AbsenceAdmin(admin.ModelAdmin):
    list_display = ["staff", "start_date", "end_date", "kind"]
    list_filter = ["kind"]
