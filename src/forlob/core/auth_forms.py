"""Forms for the second login factor."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, ngettext

# Messages the views add after checking the code; tests import them.
WRONG_CODE = gettext_noop(
    "The code is wrong or has expired. Type the code the app shows right now."
)


def too_many_wrong(seconds: int) -> str:
    """Refusal while django-otp's throttle runs: each wrong code doubles the wait (1, 2, 4 s...)."""
    return ngettext(
        "Too many wrong codes in a row. Wait %(seconds)s second and try again.",
        "Too many wrong codes in a row. Wait %(seconds)s seconds and try again.",
        seconds,
    ) % {"seconds": seconds}


class TokenForm(forms.Form):
    """Six digits from the authenticator app; spaces (as some apps show them) are ignored."""

    token = forms.CharField(
        label=_("Code from the app"),
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "size": 8,
            }
        ),
        error_messages={"required": _("Type the 6-digit code from the app.")},
    )

    def clean_token(self) -> str:
        token = "".join(self.cleaned_data["token"].split())
        if not (token.isascii() and token.isdigit() and len(token) == 6):
            raise ValidationError(_("The code is 6 digits, for example 123456."), code="format")
        return token
