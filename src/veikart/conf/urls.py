from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from veikart.api.api import api
from veikart.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("logg-inn/", core_views.LoginView.as_view(), name="login"),
    path("logg-ut/", auth_views.LogoutView.as_view(), name="logout"),
    path("logg-inn/microsoft/", include("veikart.core.oidc.urls")),  # sign-in with Entra ID
    path("sprak/", set_language, name="set_language"),
    path("helse/", include("veikart.core.health")),  # /helse/live, /helse/klar: no sign-in
    path("omrade/<slug:key>/", core_views.area, name="area"),
    path("organisasjon/", include("veikart.organisations.urls")),
    path("bruksdata/", include("veikart.usage.urls")),
    path("bruk/", include("veikart.adoption.urls")),
    path("opplaering/", include("veikart.trainings.urls")),
    path("effekt/", include("veikart.impact.urls")),
    path("kompetanse/", include("veikart.competence.urls")),
    path("systemer/", include("veikart.systems.urls")),
    path("veikart/", include("veikart.roadmaps.urls")),
    path("arbeidsavtale/", include("veikart.agreements.urls")),
    path("personvern/", include("veikart.core.privacy_urls")),  # audit log, retention, innsyn
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
