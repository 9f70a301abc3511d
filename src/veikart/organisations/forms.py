from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MAX_FILES = 5


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, max_files: int = MAX_FILES, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"class": "ds-input"}))
        self.max_files = max_files
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        files = (
            [single(d, initial) for d in data]
            if isinstance(data, list | tuple)
            else [single(data, initial)]
        )
        if len(files) > self.max_files:
            raise forms.ValidationError(
                _("Import at most %(count)d files at a time.") % {"count": self.max_files}
            )
        return files


class ImportForm(forms.Form):
    # A field may share the name of BaseForm.files: the form metaclass moves fields aside.
    files = MultipleFileField(  # type: ignore[assignment]
        label=_("Files"),
        help_text=_(
            "CSV, Excel (.xlsx) or Entra ID (JSON). A unit list and an employee list can "
            "be imported together."
        ),
    )
    as_of = forms.DateField(
        label=_("Import date"),
        help_text=_("The day the file describes. Moves and ends take effect on this day."),
        widget=forms.DateInput(attrs={"type": "date", "class": "ds-input"}, format="%Y-%m-%d"),
    )
    full = forms.BooleanField(
        label=_("Full import: employees missing from the file have left"),
        required=False,
        initial=True,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["as_of"].initial = timezone.localdate()


class EmployeeSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
