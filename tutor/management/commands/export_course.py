from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tutor.coursefiles import write_course
from tutor.models import Course
from tutor.selectors import course_spec_export


class Command(BaseCommand):
    help = "Write a course as a folder of course files (or one .yaml file)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("path")

    def handle(self, *args: Any, **options: Any) -> None:
        course = Course.objects.filter(slug=options["slug"]).first()
        if course is None:
            raise CommandError(f"no course {options['slug']!r}")
        path = write_course(course_spec_export(course=course), options["path"])
        self.stdout.write(self.style.SUCCESS(f"Exported {course.slug} to {path}"))
