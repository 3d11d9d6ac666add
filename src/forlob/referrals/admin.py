from django.contrib import admin

from forlob.referrals.models import ReferralType


@admin.register(ReferralType)
class ReferralTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "legal_basis", "target_days", "deadline_from", "is_active"]
    list_editable = ["target_days", "is_active"]
    readonly_fields = ["code"]
