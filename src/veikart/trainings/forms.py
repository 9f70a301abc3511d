from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from veikart.organisations.models import Employee
from veikart.trainings import services
from veikart.trainings.models import Course, Session

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
        )
        labels = {
            "code": _("Course code"),
            "title": _("Course title"),
            "description": _("Description"),
            "format": _("Format"),
            "duration_minutes": _("Duration in minutes"),
            "prerequisite": _("Prerequisite"),
            "audience": _("Target group"),
        }
        help_texts = {
            "code": _("A short, unique code such as TEAMS-GK; the training import uses it."),
            "prerequisite": _("A course participants should have attended first."),
            "audience": _("Who the course is for, e.g. all leaders, or health and care staff."),
        }
        widgets = {
            "code": forms.TextInput(attrs=_INPUT),
            "title": forms.TextInput(attrs=_INPUT),
            "description": forms.Textarea(attrs={**_INPUT, "rows": 4}),
            "format": forms.Select(attrs=_INPUT),
            "duration_minutes": forms.NumberInput(attrs={**_INPUT, "min": 1}),
            "prerequisite": forms.Select(attrs=_INPUT),
            "audience": forms.TextInput(attrs=_INPUT),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
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


class EnrolPersonForm(forms.Form):
    employee = EmployeeChoiceField(
        label=_("Employee"),
        queryset=Employee.objects.none(),
        empty_label=_("Choose a person"),
        widget=forms.Select(attrs=_INPUT),
    )

    def __init__(self, *args: Any, people: QuerySet[Employee], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        employee = self.fields["employee"]
        assert isinstance(employee, EmployeeChoiceField)
        employee.queryset = people.order_by("sort_key", "employee_number")
