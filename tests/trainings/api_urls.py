"""The site's URLs plus the training router on a test API of its own, for the time before the
router is mounted in /api/v1/ (see test_api.py's ``base`` fixture)."""

from django.urls import path
from ninja import NinjaAPI

from veikart.api.auth import AUTH
from veikart.conf.urls import urlpatterns as site
from veikart.trainings.api import router

api = NinjaAPI(auth=AUTH, urls_namespace="training-api-test", docs_url=None)
api.add_router("/training", router)

urlpatterns = [path("api/test/", api.urls), *site]
