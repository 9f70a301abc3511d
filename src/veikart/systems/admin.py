from django.contrib import admin

from veikart.systems.models import Decision, System


@admin.register(System)
class SystemAdmin(admin.ModelAdmin[System]):
    list_display = ("name", "former_organisation", "category", "vendor", "decision")
    list_filter = ("former_organisation", "category", "is_m365_workload")
    search_fields = ("name", "vendor")


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin[Decision]):
    list_display = ("system_name", "kind", "replacement", "status", "decided_on")
    list_filter = ("kind", "status")
    search_fields = ("system_name", "replacement")
