from django.urls import URLPattern

app_name = "roadmaps"

urlpatterns: list[URLPattern] = []
