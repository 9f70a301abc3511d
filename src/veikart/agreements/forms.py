from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from veikart.agreements import selectors
from veikart.agreements.constants import (
    EXAMPLE_LENGTH,
    NEED_LENGTH,
    NOT_FOR_LENGTH,
    TOOL_LENGTH,
)
from veikart.agreements.models import AgreementVersion, Rule
from veikart.agreements.services import RuleData
from veikart.organisations.models import Unit

_INPUT = {"class": "ds-input"}


class VersionForm(forms.ModelForm[AgreementVersion]):
    class Meta:
        model = AgreementVersion
        fields = ("title", "intro", "effective_from")
        labels = {
            "title": _("Title of the agreement"),
            "intro": _("Introduction"),
            "effective_from": _("In force from"),
        }
        help_texts = {
            "intro": _("Why the agreement exists and whom it applies to; shown above the rules."),
            "effective_from": _("Leave empty to put it in force on the day it is published."),
        }
        widgets = {
            "title": forms.TextInput(attrs=_INPUT),
            "intro": forms.Textarea(attrs={**_INPUT, "rows": 6}),
            "effective_from": forms.DateInput(attrs={**_INPUT, "type": "date"}, format="%Y-%m-%d"),
        }


class RuleForm(forms.Form):
    """A rule of an organisation agreement (may be binding) or of a unit's addition (may
    replace an organisation rule)."""

    need = forms.CharField(
        label=_("Need"),
        max_length=NEED_LENGTH,
        help_text=_("What someone wants to do, e.g. “Short questions to a colleague”."),
        widget=forms.TextInput(attrs=_INPUT),
    )
    tool = forms.CharField(
        label=_("Tool"),
        max_length=TOOL_LENGTH,
        help_text=_("What we use for it, e.g. “Chat in Teams”."),
        widget=forms.TextInput(attrs=_INPUT),
    )
    example = forms.CharField(
        label=_("Example"),
        max_length=EXAMPLE_LENGTH,
        required=False,
        widget=forms.TextInput(attrs=_INPUT),
    )
    not_for = forms.CharField(
        label=_("Do not use"),
        max_length=NOT_FOR_LENGTH,
        required=False,
        help_text=_("The tools we agree not to use for this need."),
        widget=forms.TextInput(attrs=_INPUT),
    )
    binding = forms.BooleanField(
        label=_("Applies to everyone: units cannot replace this rule"),
        required=False,
        help_text=_("For rules that follow from law, such as archiving and sensitive data."),
        widget=forms.CheckboxInput(attrs={"class": "ds-input"}),
    )
    replaces = forms.TypedChoiceField(
        label=_("Replaces"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_(
            "Replace one of the organisation's rules for this unit, or leave it as an addition."
        ),
        widget=forms.Select(attrs=_INPUT),
    )

    def __init__(self, *args: Any, version: AgreementVersion, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if version.agreement.unit is None:
            del self.fields["replaces"]
        else:
            del self.fields["binding"]
            field = self.fields["replaces"]
            assert isinstance(field, forms.TypedChoiceField)
            field.choices = [
                ("", _("Nothing: an addition")),
                *((key, f"{r.need}: {r.tool}") for key, r in selectors.replaceable_rules().items()),
            ]

    @classmethod
    def for_rule(cls, rule: Rule, *args: Any, **kwargs: Any) -> RuleForm:
        initial = {
            "need": rule.need,
            "tool": rule.tool,
            "example": rule.example,
            "not_for": rule.not_for,
            "binding": rule.binding,
            "replaces": rule.replaces,
        }
        return cls(*args, version=rule.version, initial=initial, **kwargs)

    def rule_data(self) -> RuleData:
        data = self.cleaned_data
        return RuleData(
            need=data["need"],
            tool=data["tool"],
            example=data.get("example", ""),
            not_for=data.get("not_for", ""),
            binding=bool(data.get("binding")),
            replaces=data.get("replaces"),
        )


class PublishForm(forms.Form):
    change_note = forms.CharField(
        label=_("What changed"),
        required=False,
        help_text=_("Shown in the history and to employees, e.g. “New rule on Planner”."),
        widget=forms.Textarea(attrs={**_INPUT, "rows": 3}),
    )
    requires_acknowledgement = forms.BooleanField(
        label=_("The change is material: everyone must acknowledge the agreement again"),
        required=False,
        initial=False,
        help_text=_(
            "Leave it unticked for corrections and clarifications; those who acknowledged the "
            "previous version then still count as having acknowledged."
        ),
        widget=forms.CheckboxInput(attrs={"class": "ds-input"}),
    )

    def __init__(self, *args: Any, first: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if first:  # the first version always asks everyone; there is nothing to describe yet
            del self.fields["change_note"]
            del self.fields["requires_acknowledgement"]


class UnitChoiceField(forms.ModelChoiceField[Unit]):
    def label_from_instance(self, obj: Unit) -> str:
        return f"{obj.name} ({obj.code})"


class UnitForm(forms.Form):
    unit = UnitChoiceField(
        label=_("Unit"),
        queryset=Unit.objects.none(),
        help_text=_("The addition applies to everyone working in the unit and the units below."),
        widget=forms.Select(attrs=_INPUT),
    )

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        assert isinstance(field, UnitChoiceField)
        field.queryset = units
