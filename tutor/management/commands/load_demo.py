from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tutor.services.demo import demo_load


class Command(BaseCommand):
    help = "Create the demo student, teacher and admin and load the demo course (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reload-course", action="store_true",
                            help="re-import the demo course files even if the course exists")

    def handle(self, *args: Any, **options: Any) -> None:
        result = demo_load(reload_course=options["reload_course"])
        self.stdout.write(f"Demo course: {result.course.title} (/courses/{result.course.slug}/)")
        if result.new_passwords:
            self.stdout.write(self.style.WARNING(
                "Demo users created. Their passwords are shown this once; note them now:"))
            for username, password in result.new_passwords.items():
                self.stdout.write(f"  {username:8} {password}")
        else:
            self.stdout.write("Demo users already exist (passwords were printed when they were "
                              "created; reset one with: python manage.py changepassword student).")
