from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from tutor.models import (
    Attempt,
    Choice,
    Concept,
    Course,
    Enrolment,
    Item,
    LearnerGoal,
    LearningUnit,
    Lesson,
    Misconception,
    User,
)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "email", "role", "is_staff", "is_active")
    list_filter = ("role", "is_staff", "is_active")
    fieldsets = (*BaseUserAdmin.fieldsets, ("Kirchhoff", {"fields": ("role",)}))  # type: ignore[misc]


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "owner", "updated_at")
    search_fields = ("title", "slug")
    list_select_related = ("owner",)


@admin.register(Concept)
class ConceptAdmin(admin.ModelAdmin):
    list_display = ("name", "key", "course", "order")
    list_filter = ("course",)
    search_fields = ("name", "key")
    list_select_related = ("course",)


class ChoiceInline(admin.TabularInline):
    model = Choice
    extra = 0


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ("key", "kind", "course", "difficulty", "irt_a", "irt_b", "is_active")
    list_filter = ("course", "kind", "is_active")
    search_fields = ("key", "prompt")
    inlines = [ChoiceInline]
    list_select_related = ("course",)


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    list_display = ("learner", "item", "verdict", "created_at")
    list_filter = ("verdict", "item__course")
    list_select_related = ("learner", "item")
    readonly_fields = ("created_at",)


admin.site.register([Enrolment, Lesson, Misconception, LearningUnit, LearnerGoal])
