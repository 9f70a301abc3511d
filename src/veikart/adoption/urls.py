from django.urls import path

from veikart.adoption import views

app_name = "adoption"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("enheter/<int:pk>/", views.unit, name="unit"),
    path("sammenlign/", views.compare, name="compare"),
    path("tidligere-kommuner/", views.former, name="former"),
    path("ledere/", views.leaders, name="leaders"),
    path("hvor-trengs-hjelp/", views.help_needed, name="help"),
    path("skjulte-tall/", views.hidden_figures, name="hidden"),
    path("eksport/<slug:table>.<str:fmt>", views.export, name="export"),
]
