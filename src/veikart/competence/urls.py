from django.urls import path

from veikart.competence import views

app_name = "competence"

urlpatterns = [
    path("", views.index, name="index"),
    path("min/", views.mine, name="mine"),
    path("runder/<int:pk>/svar/", views.answer, name="answer"),
    path("runder/<int:pk>/resultater/", views.results, name="results"),
    path("undersokelser/ny/", views.survey_create, name="survey-create"),
    path("undersokelser/<int:pk>/", views.survey_detail, name="survey"),
    path("undersokelser/<int:pk>/sporsmal/", views.question_add, name="question-add"),
    path("undersokelser/<int:pk>/runder/", views.wave_create, name="wave-create"),
    path("undersokelser/<int:pk>/apen/", views.survey_open, name="survey-open"),
    path("undersokelser/<int:pk>/endring/", views.change, name="change"),
]
