"""The Django admin: people, enrolments and courses' owners; course content read-only.

Course content (concepts, lessons, items and their choices, misconceptions, units) is
authored in course files and rendered, parsed and checked at import (tutor/coursefiles.py,
services/courses.py). An edit here skipped all of that: a changed prompt was not shown
(its rendered HTML was stale), a changed answer text was not the value graded, the next
export wrote the edit out and the next import graded by it, and a deleted concept left
items no import accepts. So the admin shows content and answers, and changes neither.
"""

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Q
from django.http import HttpRequest, HttpResponse

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

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        # Answers are read-only one by one (AttemptAdmin), which Django's delete page
        # took as a refusal to delete a person who had answered anything. Erasing a
        # person must take their answers with them; a course they own still protects it.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        perms_needed.discard(Attempt._meta.verbose_name)
        return deleted, counts, perms_needed, protected


class NoWrites:
    """No add, change or delete here: course content comes from its checked files."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ViewOnlyAdmin(NoWrites, admin.ModelAdmin):
    """Shown, never changed here (see the module docstring)."""

    why = ("Course content is edited in its course files: download them from the teacher "
           "studio, edit, and import them again, where they are checked.")

    def changelist_view(self, request: HttpRequest,
                        extra_context: dict[str, Any] | None = None) -> HttpResponse:
        messages.info(request, self.why)
        return super().changelist_view(request, extra_context)


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "owner", "updated_at")
    search_fields = ("title", "slug")
    list_select_related = ("owner",)
    # The owner can be handed over here; the rest comes from the course files (and the
    # rendered description is printed as it is: it must only ever come from import).
    fields = ("slug", "title", "description", "owner")
    readonly_fields = ("slug", "title", "description")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a course is made by importing its files

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "owner":
            # a course's owner runs its studio, with every learner's record: never a student
            kwargs["queryset"] = User.objects.filter(
                Q(role__in=[User.Role.TEACHER, User.Role.ADMIN]) | Q(is_superuser=True)
            ).order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # it would take every learner's answers and mastery with it


@admin.register(Concept)
class ConceptAdmin(ViewOnlyAdmin):
    list_display = ("name", "key", "course", "order")
    list_filter = ("course",)
    search_fields = ("name", "key")
    list_select_related = ("course",)


class ChoiceInline(NoWrites, admin.TabularInline):
    model = Choice
    extra = 0


@admin.register(Item)
class ItemAdmin(ViewOnlyAdmin):
    list_display = ("key", "kind", "course", "difficulty", "a", "b", "is_active")
    list_filter = ("course", "kind", "is_active")
    search_fields = ("key", "prompt")
    inlines = [ChoiceInline]
    list_select_related = ("course",)

    # to two places, as the studio shows them (the stored floats ran to 16 digits)
    @admin.display(description="IRT a", ordering="irt_a")
    def a(self, item: Item) -> str:
        return "" if item.irt_a is None else f"{item.irt_a:.2f}"

    @admin.display(description="IRT b", ordering="irt_b")
    def b(self, item: Item) -> str:
        return "" if item.irt_b is None else f"{item.irt_b:.2f}"


@admin.register(Attempt)
class AttemptAdmin(ViewOnlyAdmin):
    # A learner's answers are the record every mastery and calibration was built from.
    why = "Answers are kept as they were given: they are what mastery and calibration rest on."
    list_display = ("learner", "item", "verdict", "created_at")
    list_filter = ("verdict", "item__course")
    list_select_related = ("learner", "item")


admin.site.register([Lesson, Misconception, LearningUnit], ViewOnlyAdmin)
admin.site.register([Enrolment, LearnerGoal])
