from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from veikart.core.collation import sort_key
from veikart.organisations.forms import MultipleFileField
from veikart.organisations.models import FormerOrganisation, Organisation
from veikart.systems.constants import Category, DecisionKind, DecisionStatus
from veikart.systems.models import Decision, System
from veikart.systems.validation import decision_errors

DATE_WIDGET = {"type": "date", "class": "ds-input"}


class ImportForm(forms.Form):
    # A field may share the name of BaseForm.files: the form metaclass moves fields aside.
    files = MultipleFileField(  # type: ignore[assignment]
        label=_("Files"),
        help_text=_(
            "CSV or Excel (.xlsx): system inventories (systemer.csv) and decisions "
            "(beslutninger.csv). Several files can be imported together, e.g. one inventory per "
            "former organisation."
        ),
    )
    former_organisation = forms.ModelChoiceField(
        label=_("Former organisation, for files without a tidligere_organisasjon column"),
        queryset=FormerOrganisation.objects.none(),
        required=False,
        empty_label=_("– the file says –"),
        widget=forms.Select(attrs={"class": "ds-input"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["former_organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = FormerOrganisation.objects.order_by("code")


class SystemForm(forms.ModelForm[System]):
    integrations_text = forms.CharField(
        label=_("Integrations"),
        required=False,
        help_text=_("One system per line."),
        widget=forms.Textarea(attrs={"rows": 4, "class": "ds-input"}),
    )

    class Meta:
        model = System
        fields = [
            "former_organisation",
            "name",
            "vendor",
            "category",
            "users",
            "owner",
            "contract_end",
            "yearly_cost_nok",
            "dpa_status",
            "is_m365_workload",
        ]
        widgets = {
            "contract_end": forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d"),
        }

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        former = self.fields["former_organisation"]
        assert isinstance(former, forms.ModelChoiceField)
        former.queryset = FormerOrganisation.objects.filter(organisation=organisation)
        former.empty_label = str(
            _("%(name)s (the merged organisation)") % {"name": organisation.name}
        )
        self.fields["is_m365_workload"].help_text = _(
            "Teams, OneDrive, SharePoint, Exchange, file servers and the like: the move to "
            "Microsoft 365 is decided here too."
        )
        category = self.fields["category"]
        assert isinstance(category, forms.ChoiceField)
        category.choices = sorted(Category.choices, key=lambda c: sort_key(str(c[1])))
        if self.instance.pk:
            self.fields["integrations_text"].initial = "\n".join(self.instance.integrations)
        for name, field in self.fields.items():
            if name != "is_m365_workload":
                field.widget.attrs.setdefault("class", "ds-input")

    def clean_name(self) -> str:
        return " ".join(str(self.cleaned_data["name"]).split())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        name = data.get("name")
        if name:
            clash = System.objects.filter(
                organisation=self.organisation,
                former_organisation=data.get("former_organisation"),
                name__iexact=name,
            ).exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error(
                    "name",
                    _(
                        "This former organisation already has a system called %(name)s. "
                        "Open that one instead, or choose another name."
                    )
                    % {"name": name},
                )
        items = re.split(r"[\n|]", data.get("integrations_text") or "")
        data["integrations"] = list(dict.fromkeys(" ".join(i.split()) for i in items if i.strip()))
        return data


class DecisionForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Decision"),
        choices=DecisionKind.choices,
        widget=forms.RadioSelect,
    )
    replacement = forms.CharField(
        label=_("Replace with"),
        required=False,
        max_length=300,
        help_text=_(
            "Only for “Replace”: the system that takes over, e.g. Microsoft Teams. Several: "
            "“OneDrive og Microsoft Teams”. A system Veikart does not know yet is added for the "
            "merged organisation."
        ),
        widget=forms.TextInput(attrs={"class": "ds-input", "list": "system-names"}),
    )
    rationale = forms.CharField(
        label=_("Rationale"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "class": "ds-input"}),
    )
    owner = forms.CharField(
        label=_("Responsible"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"class": "ds-input"}),
    )
    decided_on = forms.DateField(
        label=_("Decision date"),
        help_text=_("The day the decision was taken (today or earlier)."),
        widget=forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d"),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=DecisionStatus.choices,
        initial=DecisionStatus.PLANNED,
        help_text=_("How far carrying out the decision has come."),
        widget=forms.Select(attrs={"class": "ds-input"}),
    )
    milestone_date = forms.DateField(
        label=_("Migration milestone date"),
        required=False,
        widget=forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d"),
    )
    milestone_text = forms.CharField(
        label=_("Migration milestone"),
        required=False,
        max_length=300,
        help_text=_("What is done by then, e.g. “Skype for Business switched off”."),
        widget=forms.TextInput(attrs={"class": "ds-input"}),
    )

    def __init__(self, *args: Any, system_name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.system_name = system_name
        if not self.is_bound and "decided_on" not in self.initial:
            self.initial["decided_on"] = timezone.localdate()

    @classmethod
    def initial_for(cls, decision: Decision | None) -> dict[str, Any]:
        if decision is None:
            return {}
        return {
            name: getattr(decision, name)
            for name in (
                "kind",
                "replacement",
                "rationale",
                "owner",
                "decided_on",
                "status",
                "milestone_date",
                "milestone_text",
            )
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "kind" not in data:
            return data
        errors = decision_errors(
            system_name=self.system_name,
            kind=data["kind"],
            replacement=data.get("replacement", ""),
            decided_on=data.get("decided_on"),
            milestone_date=data.get("milestone_date"),
            today=timezone.localdate(),
        )
        for name, message in errors.items():
            if name not in self.errors:
                self.add_error(name, message)
        return data
