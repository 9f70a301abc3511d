from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from veikart.competence.constants import WaveKind
from veikart.competence.digcomp import LEVELS
from veikart.competence.models import Question
from veikart.trainings.models import Course

_INPUT = {"class": "ds-input"}


class AnswerForm(forms.Form):
    """One required radio group (levels 1–8) per statement, named ``q<pk>``."""

    def __init__(self, questions: list[Question], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(str(level.number), level.description) for level in LEVELS]
        for question in questions:
            self.fields[f"q{question.pk}"] = forms.TypedChoiceField(
                label=question.text,
                choices=choices,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose a level for this statement.")},
            )
        self.questions = questions

    def levels(self) -> dict[int, int]:
        return {q.pk: self.cleaned_data[f"q{q.pk}"] for q in self.questions}


class CustomQuestionForm(forms.Form):
    text = forms.CharField(
        label=_("Statement"),
        max_length=300,
        help_text=_("Written as “I can …”; answered on the same eight levels."),
        widget=forms.TextInput(attrs=_INPUT),
    )


class WaveForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, widget=forms.TextInput(attrs=_INPUT))
    kind = forms.TypedChoiceField(
        label=_("Kind"),
        choices=WaveKind.choices,
        coerce=WaveKind,
        widget=forms.Select(attrs=_INPUT),
    )
    course = forms.ModelChoiceField(
        label=_("Course"),
        queryset=Course.objects.all(),
        required=False,
        widget=forms.Select(attrs=_INPUT),
    )
    opens_on = forms.DateField(
        label=_("Opens on"), widget=forms.DateInput(attrs={**_INPUT, "type": "date"})
    )
    closes_on = forms.DateField(
        label=_("Closes on"), widget=forms.DateInput(attrs={**_INPUT, "type": "date"})
    )
