"""Forms of the privacy pages: the audit-log filter and the subject-access search."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from veikart.core.audit import FAMILIES, SYSTEM_ACTOR, LogFilter

DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]
_INPUT = {"class": "ds-input"}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(attrs=_INPUT, format="%Y-%m-%d")


class LogFilterForm(forms.Form):
    fra = forms.DateField(
        label=_("From"), required=False, input_formats=DATE_FORMATS, widget=DateInput()
    )
    til = forms.DateField(
        label=_("To"), required=False, input_formats=DATE_FORMATS, widget=DateInput()
    )
    hvem = forms.CharField(
        label=_("Who (user name)"),
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs=_INPUT),
        help_text=_("Part of a user name; a dash (-) for events without a person."),
    )
    type = forms.ChoiceField(
        label=_("Kind of event"), required=False, widget=forms.Select(attrs=_INPUT)
    )
    hendelse = forms.ChoiceField(
        label=_("Event"), required=False, widget=forms.Select(attrs=_INPUT)
    )
    mal = forms.CharField(
        label=pgettext_lazy("audit", "Target contains"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs=_INPUT),
    )

    def __init__(self, *args: Any, actions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds, events = self.fields["type"], self.fields["hendelse"]
        assert isinstance(kinds, forms.ChoiceField) and isinstance(events, forms.ChoiceField)
        kinds.choices = [("", _("All kinds")), *((f.key, f.label) for f in FAMILIES)]
        events.choices = [("", _("All events")), *((a, a) for a in actions)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("fra"), data.get("til")
        if start and end and end < start:
            self.add_error("til", _("The last day is before the first. Swap the two dates."))
        return data

    def log_filter(self) -> LogFilter:
        """The filter the form describes (everything, when it is not valid)."""
        if not self.is_valid():
            return LogFilter()
        data = self.cleaned_data
        actor = data["hvem"].strip()
        return LogFilter(
            start=data["fra"],
            end=data["til"],
            actor=SYSTEM_ACTOR if actor == SYSTEM_ACTOR else actor,
            family=data["type"],
            action=data["hendelse"],
            target=data["mal"].strip(),
        )


class SubjectSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name, employee number or user name"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={**_INPUT, "type": "search"}),
    )
