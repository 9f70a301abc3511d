from django.urls import path

from veikart.systems import views

app_name = "systems"

urlpatterns = [
    path("", views.system_list, name="list"),
    path("ny/", views.system_edit, name="create"),
    path("<int:pk>/", views.system_detail, name="detail"),
    path("<int:pk>/endre/", views.system_edit, name="edit"),
    path("<int:pk>/slett/", views.system_delete, name="delete"),
    path("<int:pk>/beslutning/", views.decision_edit, name="decision"),
    path("matrise/", views.matrix, name="matrix"),
    path("matrise.xlsx", views.matrix_export, name="export"),
    path("importer/", views.import_start, name="import"),
    path("importer/bekreft/", views.import_apply, name="import-apply"),
    path("importer/<str:name>", views.import_template, name="template"),
]
