"""Who may see what. Every view gets its objects through these, so none forgets a check.

Each helper 404s when the object does not exist and raises PermissionDenied when
it exists but the user may not have it.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from tutor.models import Course, Enrolment, Item, Lesson, User


def is_staff_like(user: User) -> bool:
    return user.is_admin_role or user.is_superuser


def course_for_viewer(user: User, slug: str) -> Course:
    """Any signed-in user may see a course's outline (to decide to enrol)."""
    return get_object_or_404(Course.objects.select_related("owner"), slug=slug)


def can_learn(user: User, course: Course) -> bool:
    if is_staff_like(user) or course.owner_id == user.pk:
        return True
    return Enrolment.objects.filter(learner=user, course=course).exists()


def course_for_learner(user: User, slug: str) -> Course:
    """Lessons and practice: enrolled learners, the owner and admins."""
    course = course_for_viewer(user, slug)
    if not can_learn(user, course):
        raise PermissionDenied("Enrol in this course to open its lessons and practice.")
    return course


def can_edit(user: User, course: Course) -> bool:
    """The course's owner, while a teacher, and admins.

    Ownership alone is not enough: an owner whose role is student (made so in the admin,
    or demoted) would see every learner's record of the course.
    """
    return is_staff_like(user) or (course.owner_id == user.pk and user.is_teacher)


def course_for_editor(user: User, slug: str) -> Course:
    """Teacher studio: see :func:`can_edit`."""
    course = course_for_viewer(user, slug)
    if not can_edit(user, course):
        raise PermissionDenied("Only the course's teacher can do that.")
    return course


def require_teacher(user: User) -> None:
    if not (user.is_teacher or is_staff_like(user)):
        raise PermissionDenied("This page is for teachers.")


def lesson_for_learner(user: User, slug: str, lesson_slug: str) -> Lesson:
    course = course_for_learner(user, slug)
    return get_object_or_404(course.lessons.select_related("course"), slug=lesson_slug)


def item_for_learner(user: User, slug: str, item_key: str) -> Item:
    course = course_for_learner(user, slug)
    return get_object_or_404(
        course.items.select_related("course").prefetch_related("choices", "concepts"),
        key=item_key,
        is_active=True,
    )


def learner_for_editor(user: User, slug: str, username: str) -> tuple[Course, User]:
    """A learner of a course, for its teacher and admins; 404 if not enrolled in it."""
    course = course_for_editor(user, slug)
    learner = get_object_or_404(User, username=username, enrolments__course=course)
    return course, learner
