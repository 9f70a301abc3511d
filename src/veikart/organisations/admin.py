from django.contrib import admin

from veikart.organisations.models import FormerOrganisation, Organisation, Unit


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin[Organisation]):
    list_display = ("name", "merger_date", "is_demo")


@admin.register(FormerOrganisation)
class FormerOrganisationAdmin(admin.ModelAdmin[FormerOrganisation]):
    list_display = ("code", "name", "email_domain")


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin[Unit]):
    list_display = ("code", "name", "unit_type", "former_organisation", "valid_from", "valid_to")
    search_fields = ("code", "name")
    list_filter = ("unit_type", "former_organisation")
    readonly_fields = ("path",)
