from django.contrib import admin

from veikart.trainings.models import Course, Enrolment, LearningPath, LearningPathStep, Session


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin[Course]):
    list_display = ("code", "title", "format", "duration_minutes", "prerequisite")
    search_fields = ("code", "title")


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin[Session]):
    list_display = ("code", "course", "starts_at", "location", "capacity")
    list_filter = ("course",)
    search_fields = ("code",)


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin[Enrolment]):
    list_display = ("session", "employee", "status", "position", "enrolled_on")
    list_filter = ("status",)
    raw_id_fields = ("session", "employee")


class LearningPathStepInline(admin.TabularInline[LearningPathStep, LearningPath]):
    model = LearningPathStep
    extra = 1


@admin.register(LearningPath)
class LearningPathAdmin(admin.ModelAdmin[LearningPath]):
    list_display = ("name",)
    inlines = (LearningPathStepInline,)
