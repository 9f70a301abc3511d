from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from veikart.adoption import dashboards
from veikart.adoption.engine.registry import REGISTRY
from veikart.organisations.constants import UnitType
from veikart.organisations.models import Organisation, Unit
from veikart.roadmaps.models import Initiative, Milestone, Target
from veikart.systems.models import Decision
from veikart.trainings.models import Course

_INPUT = {"class": "ds-input"}
_DATE = forms.DateInput(attrs=_INPUT, format="%d.%m.%Y")
_DATE_HELP = _("Write the date as dd.mm.yyyy.")


class UnitChoiceField(forms.ModelChoiceField[Unit]):
    def label_from_instance(self, obj: Unit) -> str:
        depth = max(obj.path.count("/") - 2, 0)
        return "\u2003" * depth + obj.name


class UnitsChoiceField(forms.ModelMultipleChoiceField[Unit]):
    def label_from_instance(self, obj: Unit) -> str:
        depth = max(obj.path.count("/") - 2, 0)
        return "\u2003" * depth + obj.name


class CourseChoiceField(forms.ModelMultipleChoiceField[Course]):
    def label_from_instance(self, obj: Course) -> str:
        return f"{obj.title} ({obj.code})"


class InitiativeForm(forms.ModelForm[Initiative]):
    units = UnitsChoiceField(
        label=_("Units"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={**_INPUT, "size": 8}),
        help_text=_(
            "The units the initiative is for, if not the whole organisation. Hold Ctrl (or ⌘) "
            "to choose several."
        ),
    )
    depends_on_courses = CourseChoiceField(
        label=_("Depends on courses"),
        queryset=Course.objects.order_by("title", "code"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Initiative
        fields = (
            "code",
            "title",
            "goal",
            "owner",
            "target_groups",
            "units",
            "for_leaders",
            "start",
            "end",
            "status",
            "depends_on_decisions",
            "depends_on_courses",
        )
        labels = {
            "code": _("Code"),
            "title": _("Title"),
            "goal": _("Goal"),
            "owner": _("Owner"),
            "target_groups": _("Target groups"),
            "for_leaders": _("For leaders in particular"),
            "start": _("Start"),
            "end": _("End"),
            "status": _("Status"),
            "depends_on_decisions": _("Depends on system decisions"),
        }
        help_texts = {
            "code": _("A short code to refer to it by, e.g. T1 or V03."),
            "title": _("E.g. “Teams as the main channel for internal communication”."),
            "goal": _("What is different when the initiative has succeeded."),
            "owner": _("The person or role responsible, e.g. “Head of IT”."),
            "target_groups": _("In words, e.g. “All employees, leaders first”."),
            "start": _DATE_HELP,
            "end": _DATE_HELP,
        }
        widgets = {
            "code": forms.TextInput(attrs=_INPUT),
            "title": forms.TextInput(attrs=_INPUT),
            "goal": forms.Textarea(attrs={**_INPUT, "rows": 3}),
            "owner": forms.TextInput(attrs=_INPUT),
            "target_groups": forms.TextInput(attrs=_INPUT),
            "start": _DATE,
            "end": _DATE,
            "status": forms.Select(attrs=_INPUT),
            "depends_on_decisions": forms.CheckboxSelectMultiple,
        }

    def __init__(
        self, *args: Any, organisation: Organisation, units: QuerySet[Unit], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        field = self.fields["units"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = units.order_by("sort_key", "code")
        decisions = self.fields["depends_on_decisions"]
        assert isinstance(decisions, forms.ModelMultipleChoiceField)
        decisions.queryset = Decision.objects.filter(organisation=organisation)

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"].strip()
        taken = Initiative.objects.filter(organisation=self.organisation, code__iexact=code)
        if self.instance.pk is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(
                _("Another initiative has the code %(code)s. Choose another code."),
                params={"code": code},
            )
        return code


class MilestoneForm(forms.ModelForm[Milestone]):
    class Meta:
        model = Milestone
        fields = ("date", "text", "done")
        labels = {
            "date": _("Date"),
            "text": _("Milestone"),
            "done": pgettext_lazy("milestone", "Done"),
        }
        help_texts = {"date": _DATE_HELP}
        widgets = {
            "date": _DATE,
            "text": forms.TextInput(attrs=_INPUT),
        }


def metric_choices() -> list[tuple[str, str]]:
    return [("", gettext("Choose a metric"))] + [
        (m.key, dashboards.metric_name(m)) for m in REGISTRY.values()
    ]


class TargetForm(forms.ModelForm[Target]):
    """A target; the model's ``clean`` checks that the parts fit together."""

    metric = forms.ChoiceField(
        label=_("Metric"),
        required=False,
        choices=metric_choices,
        widget=forms.Select(attrs=_INPUT),
        help_text=_("Only for a metric target: which adoption figure the target is on."),
    )
    threshold = forms.DecimalField(
        label=_("Threshold"),
        max_digits=12,
        decimal_places=2,
        localize=True,
        widget=forms.TextInput(attrs={**_INPUT, "inputmode": "decimal"}),
        help_text=_(
            "In the metric's unit: a percentage for shares (80 for 80 %), a number for "
            "figures per person, 0–1 for ratios. For a course target: the percentage who "
            "attended."
        ),
    )

    class Meta:
        model = Target
        fields = (
            "name",
            "kind",
            "metric",
            "course",
            "direction",
            "threshold",
            "due_date",
            "population",
            "unit",
            "unit_type",
            "former_organisation",
            "leaders_only",
            "code",
        )
        labels = {
            "name": _("Name of the target"),
            "kind": _("Type of target"),
            "course": _("Course"),
            "direction": _("Direction"),
            "due_date": _("Due date"),
            "population": _("Who the target is for"),
            "unit": _("Unit"),
            "unit_type": _("Unit type"),
            "former_organisation": _("Former organisation"),
            "leaders_only": _("Leaders only"),
            "code": _("Code"),
        }
        help_texts = {
            "name": _("E.g. “Active in Teams every week”."),
            "course": _("Only for a course target: attending this course counts."),
            "due_date": _DATE_HELP,
            "unit": _("Only when the target is for a unit: it covers the units below it too."),
            "unit_type": _("Only when the target is for every unit of one type."),
            "former_organisation": _(
                "Only when the target is for the employees from a former organisation."
            ),
            "leaders_only": _(
                "Figures for leaders are kept for the whole organisation and for a unit only."
            ),
            "code": _("A short code to refer to it by, e.g. M01."),
        }
        widgets = {
            "name": forms.TextInput(attrs=_INPUT),
            "kind": forms.Select(attrs=_INPUT),
            "course": forms.Select(attrs=_INPUT),
            "direction": forms.Select(attrs=_INPUT),
            "due_date": _DATE,
            "population": forms.Select(attrs=_INPUT),
            "unit": forms.Select(attrs=_INPUT),
            "unit_type": forms.Select(attrs=_INPUT),
            "former_organisation": forms.Select(attrs=_INPUT),
            "code": forms.TextInput(attrs=_INPUT),
        }

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit = self.fields["unit"]
        assert isinstance(unit, forms.ModelChoiceField)
        unit.queryset = units.order_by("sort_key", "code")
        unit.empty_label = _("Choose a unit")
        course = self.fields["course"]
        assert isinstance(course, forms.ModelChoiceField)
        course.queryset = Course.objects.order_by("title", "code")
        course.empty_label = _("Choose a course")
        former = self.fields["former_organisation"]
        assert isinstance(former, forms.ModelChoiceField)
        former.empty_label = _("Choose a former organisation")
        unit_type = self.fields["unit_type"]
        assert isinstance(unit_type, forms.TypedChoiceField)
        unit_type.choices = [("", _("Choose a unit type")), *UnitType.choices]
