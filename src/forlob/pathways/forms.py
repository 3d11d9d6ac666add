from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from forlob.core.models import Provider, Team, User
from forlob.pathways.models import DropoutReason, PathwayStatus
from forlob.pathways.services import MANUAL_TRANSITIONS


class AssignForm(forms.Form):
    responsible = forms.ModelChoiceField(
        label=_("responsible"), queryset=User.objects.none(), required=False, empty_label="—"
    )
    team = forms.ModelChoiceField(
        label=_("team"), queryset=Team.objects.none(), required=False, empty_label="—"
    )
    provider = forms.ModelChoiceField(
        label=_("delivered by"),
        queryset=Provider.objects.none(),
        required=False,
        empty_label=_("the municipality's own unit"),
        help_text=_("The provider the citizen chose, when it is not the municipality's own unit."),
    )

    def __init__(
        self, *args: object, therapists: object, municipality_id: int | None, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = therapists
        self.fields["team"].queryset = Team.objects.filter(unit__municipality_id=municipality_id)
        self.fields["provider"].queryset = Provider.objects.filter(
            municipality_id=municipality_id, is_active=True
        )


class TransitionForm(forms.Form):
    to_status = forms.ChoiceField(
        label=_("new status"),
        choices=[(s, PathwayStatus(s).label) for s in MANUAL_TRANSITIONS],
    )
    dropout_reason = forms.ModelChoiceField(
        label=_("dropout reason"),
        queryset=DropoutReason.objects.filter(is_active=True),
        required=False,
        empty_label="—",
    )
    note = forms.CharField(label=_("note"), max_length=500, required=False)
