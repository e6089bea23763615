"""The demo: three users and the demo course, loaded idempotently."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from tutor.coursefiles import load_course
from tutor.models import Course, User
from tutor.services.courses import course_import, enrolment_create

DEMO_COURSE_PATH = Path(settings.BASE_DIR) / "courses" / "dc-ac-circuits-1"
DEMO_USERS = (
    ("student", User.Role.STUDENT, "Sam", "Student"),
    ("teacher", User.Role.TEACHER, "Tess", "Teacher"),
    ("admin", User.Role.ADMIN, "Ada", "Admin"),
)


@dataclass(frozen=True)
class DemoResult:
    course: Course
    new_passwords: dict[str, str]  # only users created by this run


@transaction.atomic
def demo_load(*, course_path: Path = DEMO_COURSE_PATH, reload_course: bool = False) -> DemoResult:
    """Create the demo users (once) and import the demo course (once, or again if asked)."""
    passwords: dict[str, str] = {}
    users: dict[str, User] = {}
    for username, role, first, last in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            password = secrets.token_urlsafe(9)
            user = User.objects.create_user(
                username=username, password=password, role=role, first_name=first,
                last_name=last, is_staff=role == User.Role.ADMIN,
                is_superuser=role == User.Role.ADMIN,
            )
            passwords[username] = password
        users[username] = user
    spec = load_course(course_path)
    course = None if reload_course else Course.objects.filter(slug=spec.slug).first()
    if course is None:
        course = course_import(spec=spec, actor=users["teacher"])
    enrolment_create(learner=users["student"], course=course)
    return DemoResult(course=course, new_passwords=passwords)
