from django.urls import path

from veikart.trainings import views

app_name = "trainings"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("mine/", views.my_courses, name="mine"),
    path("kurs/ny/", views.course_create, name="course-create"),
    path("kurs/<int:pk>/", views.course_detail, name="course"),
    path("kurs/<int:pk>/endre/", views.course_edit, name="course-edit"),
    path("kurs/<int:course_pk>/okter/ny/", views.session_create, name="session-create"),
    path("okter/<int:pk>/", views.session_detail, name="session"),
    path("okter/<int:pk>/endre/", views.session_edit, name="session-edit"),
    path("okter/<int:pk>/avlys/", views.session_cancel, name="session-cancel"),
    path("okter/<int:pk>/kalender.ics", views.trainer_calendar, name="trainer-calendar"),
    path("okter/<int:pk>/pamelding/", views.enrol, name="enrol"),
    path("okter/<int:pk>/oppmote/", views.attendance, name="attendance"),
    path("pameldinger/<int:pk>/avmelding/", views.cancel, name="cancel"),
    path("pameldinger/<int:pk>/kalender.ics", views.calendar, name="calendar"),
    path("pameldinger/<int:pk>/kursbevis.pdf", views.certificate, name="certificate"),
    path("okter/<int:pk>/deltakerliste.pdf", views.roster, name="roster"),
    path("laeringslop/ny/", views.path_create, name="path-create"),
    path("laeringslop/<int:pk>/endre/", views.path_edit, name="path-edit"),
    path("importer/", views.import_start, name="import"),
    path("importer/bekreft/", views.import_apply, name="import-apply"),
    path("plan/", views.plan, name="plan"),
    path("plan/mal/nytt/", views.target_create, name="target-create"),
    path("plan/mal/<int:pk>/", views.target_detail, name="target"),
    path("plan/mal/<int:pk>/endre/", views.target_edit, name="target-edit"),
    path("plan/mal/<int:pk>/slett/", views.target_delete, name="target-delete"),
    path("plan/mal/<int:pk>/enhet/<int:unit_pk>/", views.target_detail, name="target-unit"),
    path(
        "plan/mal/<int:pk>/enhet/<int:unit_pk>/mangler/",
        views.target_missing,
        name="target-missing",
    ),
]
