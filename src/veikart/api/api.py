"""/api/v1/ — the same reads as the web UI, through the same selectors and permission rules."""

from ninja import NinjaAPI

from veikart import __version__
from veikart.adoption.api import router as adoption_router
from veikart.agreements.api import router as agreements_router
from veikart.api.auth import AUTH
from veikart.organisations.api import router as organisations_router
from veikart.roadmaps.api import router as roadmaps_router
from veikart.systems.api import router as systems_router
from veikart.trainings.api import router as trainings_router

api = NinjaAPI(
    title="Veikart API",
    version=__version__,
    description=(
        "Read access to the organisation (units and employees) and the adoption figures for "
        "integrations. Authenticate "
        "with `Authorization: Bearer <token>` (create one with `veikart api-token create`). "
        "Every answer is limited to what the token's user may see: a unit manager sees their "
        "own unit subtree only. Dates are ISO 8601; times are Europe/Oslo."
    ),
    auth=AUTH,
    urls_namespace="api-v1",
)
api.add_router("/", organisations_router)
api.add_router("/adoption", adoption_router)
api.add_router("/systems", systems_router)
api.add_router("/training", trainings_router)
api.add_router("/roadmap", roadmaps_router)
api.add_router("/agreements", agreements_router)
