from django.urls import path

from veikart.core import privacy_views as views

app_name = "privacy"

urlpatterns = [
    path("", views.index, name="index"),
    path("logg/", views.log, name="log"),
    path("logg/eksport.csv", views.log_export, name="log-export"),
    path("oppbevaring/", views.retention, name="retention"),
    path("innsyn/", views.subject_search, name="subject-search"),
    path("innsyn/ansatt/<int:pk>/", views.employee_report, name="employee-report"),
    path("innsyn/bruker/<int:pk>/", views.user_report, name="user-report"),
    path("mine-data/", views.mine, name="mine"),
]
