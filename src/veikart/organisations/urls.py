from django.urls import path

from veikart.organisations import views

app_name = "organisations"

urlpatterns = [
    path("", views.tree, name="tree"),
    path("enheter/<int:pk>/", views.unit_detail, name="unit"),
    path("ansatte/", views.employee_list, name="employees"),
    path("ansatte/<int:pk>/", views.employee_detail, name="employee"),
    path("meg/", views.me, name="me"),
    path("import/", views.import_start, name="import"),
    path("import/bruk/", views.import_apply, name="import-apply"),
    path("import/<str:name>", views.import_template, name="import-template"),
]
