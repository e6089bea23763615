from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tutor.coursefiles import CourseValidationError, load_course
from tutor.models import User
from tutor.services.courses import course_import


class Command(BaseCommand):
    help = "Validate a course folder, YAML file or zip, and import it in one transaction."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")
        parser.add_argument("--owner", help="username of the teacher who will own a new course")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            spec = load_course(options["path"])
        except CourseValidationError as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(exc.errors)} problem(s); nothing was imported.") from exc
        owner = self._owner(options.get("owner"), spec.slug)
        try:
            course = course_import(spec=spec, actor=owner)
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"Imported {course.slug}: {len(spec.concepts)} concepts, {len(spec.lessons)} lessons, "
            f"{len(spec.items)} items."
        ))

    def _owner(self, username: str | None, slug: str) -> User:
        if username:
            try:
                return User.objects.get(username=username)
            except User.DoesNotExist:
                raise CommandError(f"no user {username!r}") from None
        from tutor.models import Course

        course = Course.objects.filter(slug=slug).select_related("owner").first()
        if course is not None:
            return course.owner
        owner = User.objects.filter(role__in=[User.Role.TEACHER, User.Role.ADMIN]).order_by(
            "pk").first()
        if owner is None:
            raise CommandError("No teacher or admin exists to own the course: pass --owner.")
        return owner
