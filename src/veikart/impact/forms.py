from __future__ import annotations

import typing
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from veikart.adoption.dashboards import metric_name
from veikart.impact.panel import evaluable_metrics
from veikart.impact.services import DEFAULT_METRIC
from veikart.trainings.models import Course


class EvaluateForm(forms.Form):
    metric = forms.ChoiceField(label=_("Metric"), initial=DEFAULT_METRIC)
    courses = forms.MultipleChoiceField(
        label=_("Courses"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Training starts in the week of a person's first attended session of the chosen "
            "courses. None chosen: every course."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        metric = typing.cast(forms.ChoiceField, self.fields["metric"])
        metric.choices = [(m.key, metric_name(m)) for m in evaluable_metrics()]
        courses = typing.cast(forms.MultipleChoiceField, self.fields["courses"])
        courses.choices = list(Course.objects.order_by("code").values_list("code", "title"))
