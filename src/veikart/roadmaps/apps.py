from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoadmapsConfig(AppConfig):
    name = "veikart.roadmaps"
    label = "roadmaps"
    verbose_name = _("Digital roadmap")
