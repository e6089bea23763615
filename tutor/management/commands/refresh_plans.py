"""Bring stored learning paths up to date, for one course or all of them."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tutor.models import Course


class Command(BaseCommand):
    help = (
        "Refresh every stored learning path (the studio's learner table reads them): run "
        "after upgrading to a release that prices effort differently. Plans that are "
        "already current are left untouched."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--course", help="course slug (default: every course)")

    def handle(self, *args: Any, **options: Any) -> None:
        from tutor.services.plans import course_plans_refresh

        courses = Course.objects.order_by("slug")
        if options["course"]:
            courses = courses.filter(slug=options["course"])
            if not courses.exists():
                raise CommandError(f"No course with slug {options['course']!r}.")
        failed = 0
        for course in courses:
            done = course_plans_refresh(course=course)
            failed += done.failed
            self.stdout.write(
                f"{course.slug}: {done.planned} planned afresh, {done.repaired} repaired, "
                f"{done.unchanged} already current"
                + (f", {done.failed} could not be planned (kept as they were)" if done.failed
                   else "") + "."
            )
        if failed:
            raise CommandError(f"{failed} plan(s) could not be refreshed.")
