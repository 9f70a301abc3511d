from django.urls import path

from veikart.usage import views

app_name = "usage"

urlpatterns = [
    path("import/", views.upload, name="upload"),
]
