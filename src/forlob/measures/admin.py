"""Instrument texts in the admin: licensed wording, not citizen data.

``MeasureRecord`` is deliberately not here: it is citizen data and would bypass the access
check and the audit log.
"""

from django.contrib import admin

from forlob.measures.models import InstrumentText


@admin.register(InstrumentText)
class InstrumentTextAdmin(admin.ModelAdmin):
    list_display = ("instrument", "item_key", "language", "text")
    list_filter = ("instrument", "language")
    search_fields = ("item_key", "text")
