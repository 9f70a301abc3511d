from django.urls import path

from veikart.impact import views

app_name = "impact"

urlpatterns = [
    path("", views.page, name="page"),
    path("rapport.<str:fmt>", views.report, name="report"),
]
