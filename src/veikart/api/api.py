"""/api/v1/ — the same reads as the web UI, through the same selectors and permission rules."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.openapi.schema import OpenAPISchema

from veikart import __version__
from veikart.adoption.api import router as adoption_router
from veikart.agreements.api import router as agreements_router
from veikart.api.auth import AUTH
from veikart.api.params import ErrorOut, ValidationErrorOut
from veikart.organisations.api import router as organisations_router
from veikart.roadmaps.api import router as roadmaps_router
from veikart.systems.api import router as systems_router
from veikart.trainings.api import router as trainings_router

# The error answers every operation may give, all with a JSON body ``{"detail": …}``: ninja's
# own (401 from the authentication, 404 from Http404, 422 from parameter validation), HttpError
# from the views, PermissionDenied (the handler below), and 400 from
# veikart.core.request_guard.NulByteMiddleware.
ERROR_ANSWERS: dict[int, tuple[str, type[Schema]]] = {
    400: ("The request cannot be used: a NUL character, or an unknown choice.", ErrorOut),
    401: ("No token, or one that is not valid (unknown, revoked, or its user is gone).", ErrorOut),
    403: ("The token's user may not see this.", ErrorOut),
    404: ("No such object, or none the token's user may see.", ErrorOut),
    422: ("A parameter is missing or not valid: `detail` says which and why.", ValidationErrorOut),
}
COMPONENTS = "#/components/schemas/{model}"


class VeikartAPI(NinjaAPI):
    """NinjaAPI with the error answers documented once for every operation."""

    def get_openapi_schema(
        self,
        *,
        path_prefix: str | None = None,
        path_params: dict[str, Any] | None = None,
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components: dict[str, Any] = schema["components"]["schemas"]
        for _description, model in ERROR_ANSWERS.values():
            found = model.model_json_schema(ref_template=COMPONENTS)
            components.update(found.pop("$defs", {}))
            components[model.__name__] = found
        media_type = self.renderer.media_type
        for item in schema["paths"].values():
            for operation in item.values():
                responses = operation["responses"]
                for status, (description, model) in ERROR_ANSWERS.items():
                    responses.setdefault(
                        status,
                        {
                            "description": description,
                            "content": {
                                media_type: {
                                    "schema": {"$ref": COMPONENTS.format(model=model.__name__)}
                                }
                            },
                        },
                    )
        return schema


api = VeikartAPI(
    title="Veikart API",
    version=__version__,
    description=(
        "Read access to the organisation (units and employees) and the adoption figures for "
        "integrations. Authenticate "
        "with `Authorization: Bearer <token>` (create one with `veikart api-token create`). "
        "Every answer is limited to what the token's user may see: a unit manager sees their "
        "own unit subtree only. Dates are ISO 8601 (`YYYY-MM-DD` in parameters); times are "
        "Europe/Oslo. Errors come back as JSON with a `detail`; a NUL character anywhere in the "
        "address is refused with 400."
    ),
    auth=AUTH,
    urls_namespace="api-v1",
)


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    """A selector's PermissionDenied as JSON, like ninja's other errors (not Django's HTML 403)."""
    return api.create_response(request, {"detail": "You may not see this."}, status=403)


api.add_router("/", organisations_router)
api.add_router("/adoption", adoption_router)
api.add_router("/systems", systems_router)
api.add_router("/training", trainings_router)
api.add_router("/roadmap", roadmaps_router)
api.add_router("/agreements", agreements_router)
