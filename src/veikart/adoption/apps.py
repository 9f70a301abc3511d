from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdoptionConfig(AppConfig):
    name = "veikart.adoption"
    label = "adoption"
    verbose_name = _("Adoption")

    def ready(self) -> None:
        from django.conf import settings

        from veikart.adoption.engine.engine import DUCKDB_CONFIG

        DUCKDB_CONFIG["memory_limit"] = f"{settings.ANALYTICS_MEMORY_MB}MB"
        DUCKDB_CONFIG["temp_directory"] = str(settings.DATA_DIR / "tmp" / "duckdb")
