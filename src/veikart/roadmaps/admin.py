from django.contrib import admin

from veikart.roadmaps.models import Initiative, Milestone, Target


class MilestoneInline(admin.TabularInline[Milestone, Initiative]):
    model = Milestone
    extra = 0


@admin.register(Initiative)
class InitiativeAdmin(admin.ModelAdmin[Initiative]):
    list_display = ("code", "title", "status", "start", "end")
    list_filter = ("status",)
    search_fields = ("code", "title")
    inlines = (MilestoneInline,)


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin[Target]):
    list_display = ("code", "name", "initiative", "kind", "metric", "threshold", "due_date")
    list_filter = ("kind", "population")
    search_fields = ("code", "name")
