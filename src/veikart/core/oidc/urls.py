from django.urls import path

from veikart.core.oidc import views

app_name = "oidc"

urlpatterns = [
    path("", views.start, name="start"),
    path("tilbake/", views.callback, name="callback"),
    path("logget-ut/", views.signed_out, name="signed-out"),
]
