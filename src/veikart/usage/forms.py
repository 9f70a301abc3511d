from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from veikart.organisations.forms import MultipleFileField


class UsageUploadForm(forms.Form):
    # A field may share the name of BaseForm.files: the form metaclass moves fields aside.
    files = MultipleFileField(  # type: ignore[assignment]
        label=_("Report files"),
        help_text=_(
            "CSV files exported from the Microsoft 365 admin centre (Reports → Usage), or a zip "
            "archive of them. Files already stored are skipped."
        ),
        max_files=200,
    )
