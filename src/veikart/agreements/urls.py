from django.urls import path

from veikart.agreements import views

app_name = "agreements"

urlpatterns = [
    path("", views.index, name="index"),
    path("bekreft/", views.acknowledge, name="acknowledge"),
    path("administrer/", views.manage, name="manage"),
    path("ny/", views.create, name="create"),
    path("enheter/ny/", views.unit_create, name="unit-create"),
    path("<int:pk>/utkast/", views.draft_start, name="draft-start"),
    path("<int:pk>/historikk/", views.history, name="history"),
    path("<int:pk>/oppslutning/", views.acknowledgements, name="acknowledgements"),
    path("versjoner/<int:pk>/", views.version, name="version"),
    path("versjoner/<int:pk>/endre/", views.version_edit, name="version-edit"),
    path("versjoner/<int:pk>/regler/ny/", views.rule_add, name="rule-add"),
    path("versjoner/<int:pk>/publiser/", views.publish, name="publish"),
    path("versjoner/<int:pk>/forkast/", views.discard, name="discard"),
    path("versjoner/<int:pk>/arbeidsavtale.pdf", views.version_pdf, name="pdf"),
    path("regler/<int:pk>/endre/", views.rule_edit, name="rule-edit"),
    path("regler/<int:pk>/slett/", views.rule_delete, name="rule-delete"),
    path("regler/<int:pk>/flytt/", views.rule_move, name="rule-move"),
]
