from django.urls import path

from veikart.roadmaps import views

app_name = "roadmaps"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("tiltak/nytt/", views.initiative_create, name="initiative-create"),
    path("tiltak/<int:pk>/", views.initiative_detail, name="initiative"),
    path("tiltak/<int:pk>/endre/", views.initiative_edit, name="initiative-edit"),
    path("tiltak/<int:pk>/slett/", views.initiative_delete, name="initiative-delete"),
    path("tiltak/<int:pk>/milepaeler/ny/", views.milestone_create, name="milestone-create"),
    path("tiltak/<int:pk>/mal/nytt/", views.target_create, name="target-create"),
    path("milepaeler/<int:pk>/endre/", views.milestone_edit, name="milestone-edit"),
    path("milepaeler/<int:pk>/ferdig/", views.milestone_done, name="milestone-done"),
    path("milepaeler/<int:pk>/slett/", views.milestone_delete, name="milestone-delete"),
    path("mal/<int:pk>/", views.target_detail, name="target"),
    path("mal/<int:pk>/endre/", views.target_edit, name="target-edit"),
    path("mal/<int:pk>/slett/", views.target_delete, name="target-delete"),
    path("statusrapport/", views.status_report_page, name="status-report"),
    path("statusrapport.pdf", views.status_report_pdf, name="status-report-pdf"),
    path("statusrapport.xlsx", views.status_report_xlsx, name="status-report-xlsx"),
]
