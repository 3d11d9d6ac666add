from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from forlob.imports.models import ImportKind
from forlob.imports.services import max_bytes


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"))
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV (semicolon or comma, UTF-8 or Windows-1252) or Excel (.xlsx)."),
    )

    def __init__(self, *args: object, kinds: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        labels = dict(ImportKind.choices)
        self.fields["kind"].choices = [(k, labels[k]) for k in kinds]
        if len(kinds) == 1:
            self.fields["kind"].initial = kinds[0]

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        limit = max_bytes()
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB; split it."),
                params={"mb": limit // (1024 * 1024)},
            )
        return upload
