from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from veikart.organisations.forms import MultipleFileField
from veikart.organisations.models import Employee, Unit
from veikart.trainings import services
from veikart.trainings.constants import Population, TargetKind
from veikart.trainings.models import Course, LearningPath, Session, TrainingTarget

_INPUT = {"class": "ds-input"}


class EmployeeChoiceField(forms.ModelChoiceField[Employee]):
    def label_from_instance(self, obj: Employee) -> str:
        return f"{obj.family_name}, {obj.given_name} ({obj.employee_number})"


class CourseForm(forms.ModelForm[Course]):
    class Meta:
        model = Course
        fields = (
            "code",
            "title",
            "description",
            "format",
            "duration_minutes",
            "prerequisite",
            "audience",
            "target_units",
            "for_leaders",
            "target_titles",
        )
        labels = {
            "code": _("Course code"),
            "title": _("Course title"),
            "description": _("Description"),
            "format": _("Format"),
            "duration_minutes": _("Duration in minutes"),
            "prerequisite": _("Prerequisite"),
            "audience": _("Target group"),
            "target_units": _("Recommended for these units"),
            "for_leaders": _("Recommended for leaders"),
            "target_titles": _("Recommended for these job titles"),
        }
        help_texts = {
            "code": _("A short, unique code such as TEAMS-GK; the training import uses it."),
            "prerequisite": _("A course participants should have attended first."),
            "audience": _("Who the course is for, e.g. all leaders, or health and care staff."),
            "target_units": _(
                "The course is recommended to the people in these units and the units below "
                "them. Hold Ctrl (Cmd on a Mac) to choose more than one."
            ),
            "for_leaders": _("Everyone who is a leader in the HR data sees it as recommended."),
            "target_titles": _(
                "Words from job titles, separated by commas, e.g. “lærer, rektor”: people whose "
                "title contains one of them see the course as recommended."
            ),
        }
        widgets = {
            "code": forms.TextInput(attrs=_INPUT),
            "title": forms.TextInput(attrs=_INPUT),
            "description": forms.Textarea(attrs={**_INPUT, "rows": 4}),
            "format": forms.Select(attrs=_INPUT),
            "duration_minutes": forms.NumberInput(attrs={**_INPUT, "min": 1}),
            "prerequisite": forms.Select(attrs=_INPUT),
            "audience": forms.TextInput(attrs=_INPUT),
            "target_units": forms.SelectMultiple(attrs={**_INPUT, "size": 8}),
            "for_leaders": forms.CheckboxInput(),
            "target_titles": forms.TextInput(attrs=_INPUT),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = self.fields["target_units"]
        assert isinstance(units, forms.ModelMultipleChoiceField)
        today = timezone.localdate()
        units.queryset = Unit.objects.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=today),
            Q(valid_to__isnull=True) | Q(valid_to__gte=today),
        ) | Unit.objects.filter(target_courses=self.instance.pk or 0)
        units.queryset = units.queryset.distinct()
        prerequisite = self.fields["prerequisite"]
        assert isinstance(prerequisite, forms.ModelChoiceField)
        prerequisite.empty_label = _("None")
        if self.instance.pk is not None:
            prerequisite.queryset = Course.objects.exclude(pk=self.instance.pk)
            # The code is how imports and exports know the course: it is not changed here.
            self.fields["code"].disabled = True
        self.fields["duration_minutes"].validators.append(_at_least_one)

    def clean_prerequisite(self) -> Course | None:
        prerequisite: Course | None = self.cleaned_data.get("prerequisite")
        existing = self.instance if self.instance.pk is not None else None
        problem = services.prerequisite_problem(existing, prerequisite)
        if problem:
            raise forms.ValidationError(problem)
        return prerequisite


def _at_least_one(value: int) -> None:
    if value < 1:
        raise forms.ValidationError(_("The duration must be at least one minute."))


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(attrs=_INPUT, format="%Y-%m-%dT%H:%M")


class SessionForm(forms.Form):
    starts_at = forms.DateTimeField(label=_("Starts"), widget=DateTimeLocalInput())
    ends_at = forms.DateTimeField(label=_("Ends"), widget=DateTimeLocalInput())
    location = forms.CharField(
        label=_("Place or Teams link"),
        required=False,
        max_length=200,
        help_text=_("The room and address, or the Teams meeting link (https://…)."),
        widget=forms.TextInput(attrs=_INPUT),
    )
    trainer = EmployeeChoiceField(
        label=_("Trainer"),
        queryset=Employee.objects.none(),
        required=False,
        empty_label=_("No trainer yet"),
        widget=forms.Select(attrs=_INPUT),
    )
    capacity = forms.IntegerField(
        label=_("Seats"),
        required=False,
        min_value=1,
        help_text=_("Leave empty for no limit (e-learning)."),
        widget=forms.NumberInput(attrs={**_INPUT, "min": 1}),
    )

    def __init__(
        self,
        *args: Any,
        course: Course,
        session: Session | None,
        trainers: QuerySet[Employee],
        trainer_required: bool = False,
        now: dt.datetime | None = None,
        **kwargs: Any,
    ) -> None:
        if session is not None:
            kwargs.setdefault(
                "initial",
                {
                    "starts_at": session.starts_at,
                    "ends_at": session.ends_at,
                    "location": session.location,
                    "trainer": session.trainer_id,
                    "capacity": session.capacity,
                },
            )
        super().__init__(*args, **kwargs)
        self.course, self.session, self.now = course, session, now or timezone.now()
        trainer = self.fields["trainer"]
        assert isinstance(trainer, EmployeeChoiceField)
        trainer.queryset = trainers.order_by("sort_key", "employee_number")
        trainer.required = trainer_required
        if trainer_required and session is None and trainers.count() == 1:
            trainer.initial = trainers.get().pk

    def values(self) -> services.SessionValues:
        data = self.cleaned_data
        return services.SessionValues(
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            location=data.get("location") or "",
            trainer=data.get("trainer"),
            capacity=data.get("capacity"),
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not {"starts_at", "ends_at"} <= data.keys():
            return data
        problems = services.session_problems(
            self.course, self.values(), session=self.session, now=self.now
        )
        for name, messages in problems.items():
            for message in messages:
                self.add_error(name, message)
        return data


class SessionCancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        help_text=_(
            "Everyone enrolled or on the waiting list gets it by e-mail, e.g. “The trainer is "
            "ill. New sessions come next week.”"
        ),
        error_messages={"required": _("Give the reason for cancelling: the participants read it.")},
        widget=forms.Textarea(attrs={**_INPUT, "rows": 3}),
    )


class EnrolPersonForm(forms.Form):
    employee = EmployeeChoiceField(
        label=_("Employee"),
        queryset=Employee.objects.none(),
        empty_label=_("Choose a person"),
        widget=forms.Select(attrs=_INPUT),
    )
    override_reason = forms.CharField(
        label=_("Reason to enrol without the prerequisite"),
        required=False,
        max_length=500,
        help_text=_(
            "Only if the person has the skills of the prerequisite course already, e.g. "
            "“Used Teams daily in her former job”. It is written to the audit log."
        ),
        widget=forms.TextInput(attrs=_INPUT),
    )

    def __init__(
        self, *args: Any, people: QuerySet[Employee], prerequisite: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        employee = self.fields["employee"]
        assert isinstance(employee, EmployeeChoiceField)
        employee.queryset = people.order_by("sort_key", "employee_number")
        if not prerequisite:
            del self.fields["override_reason"]


class LearningPathForm(forms.ModelForm[LearningPath]):
    """A learning path: its name, what it is for, and up to :data:`STEPS` courses in order."""

    STEPS = 6

    class Meta:
        model = LearningPath
        fields = ("name", "description")
        labels = {"name": _("Name"), "description": _("Description")}
        help_texts = {"name": _("E.g. “Teams from the start”.")}
        error_messages = {"name": {"unique": _("There is already a learning path with this name.")}}
        widgets = {
            "name": forms.TextInput(attrs=_INPUT),
            "description": forms.Textarea(attrs={**_INPUT, "rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        courses = Course.objects.order_by("title", "code")
        current = []
        if self.instance.pk is not None:
            current = [s.course_id for s in self.instance.steps.order_by("position")]
        for number in range(1, self.STEPS + 1):
            self.fields[f"step_{number}"] = forms.ModelChoiceField(
                label=_("Step %(number)d") % {"number": number},
                queryset=courses,
                required=False,
                empty_label=_("None"),
                initial=current[number - 1] if number <= len(current) else None,
                widget=forms.Select(attrs=_INPUT),
            )

    def chosen_courses(self) -> list[Course]:
        """The courses chosen, in step order, empty steps left out."""
        steps = (self.cleaned_data.get(f"step_{n}") for n in range(1, self.STEPS + 1))
        return [course for course in steps if course is not None]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        courses = self.chosen_courses()
        if len(courses) < 2:
            self.add_error("step_2", _("A learning path has at least two courses."))
        elif len({c.pk for c in courses}) != len(courses):
            self.add_error(None, _("A course can be on a learning path once."))
        return data


class CourseChoiceField(forms.ModelMultipleChoiceField[Course]):
    def label_from_instance(self, obj: Course) -> str:
        return f"{obj.title} ({obj.code})"


class TrainingTargetForm(forms.ModelForm[TrainingTarget]):
    """A target of the training plan; the unit list is what the user may see today."""

    courses = CourseChoiceField(
        label=_("Courses that count"),
        queryset=Course.objects.order_by("title", "code"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked to count any course."),
    )

    class Meta:
        model = TrainingTarget
        fields = (
            "name",
            "courses",
            "population",
            "unit",
            "former_organisation",
            "kind",
            "value",
            "due_date",
        )
        labels = {
            "name": _("Name of the target"),
            "population": _("Who the target is for"),
            "unit": _("Unit"),
            "former_organisation": _("Former organisation"),
            "kind": _("Type of target"),
            "value": _("Target"),
            "due_date": _("Due date"),
        }
        help_texts = {
            "name": _("E.g. “All leaders by 31 October”."),
            "unit": _("Only when the target is for a unit: it covers the units below it too."),
            "former_organisation": _(
                "Only when the target is for the employees from a former organisation."
            ),
            "value": _("A percentage (1–100) or a number of people."),
            "due_date": _("Write the date as dd.mm.yyyy."),
        }
        error_messages = {
            "name": {"unique": _("There is already a target with this name.")},
        }
        widgets = {
            "name": forms.TextInput(attrs=_INPUT),
            "population": forms.Select(attrs=_INPUT),
            "unit": forms.Select(attrs=_INPUT),
            "former_organisation": forms.Select(attrs=_INPUT),
            "kind": forms.Select(attrs=_INPUT),
            "value": forms.NumberInput(attrs={**_INPUT, "min": 1}),
            "due_date": forms.DateInput(attrs=_INPUT, format="%d.%m.%Y"),
        }

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit = self.fields["unit"]
        assert isinstance(unit, forms.ModelChoiceField)
        unit.queryset = units.order_by("sort_key", "code")
        unit.empty_label = _("Choose a unit")
        former = self.fields["former_organisation"]
        assert isinstance(former, forms.ModelChoiceField)
        former.empty_label = _("Choose a former organisation")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        population = data.get("population")
        if population == Population.UNIT and not data.get("unit"):
            self.add_error("unit", _("Choose the unit the target is for."))
        if population == Population.FORMER_ORGANISATION and not data.get("former_organisation"):
            self.add_error(
                "former_organisation", _("Choose the former organisation the target is for.")
            )
        value = data.get("value")
        if value is not None and value < 1:
            self.add_error("value", _("The target must be at least 1."))
        elif value is not None and data.get("kind") == TargetKind.SHARE and value > 100:
            self.add_error("value", _("A share cannot be more than 100 per cent."))
        return data


class TrainingImportForm(forms.Form):
    # A field may share the name of BaseForm.files: the form metaclass moves fields aside.
    files = MultipleFileField(  # type: ignore[assignment]
        label=_("Files"),
        help_text=_(
            "The three CSV files (kurs.csv, kursokter.csv, pameldinger.csv) or one Excel "
            "workbook (.xlsx) with a sheet for each."
        ),
    )
