"""Fill a course with a simulated cohort's answers, then calibrate its items once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tutor.models import Course


class Command(BaseCommand):
    help = (
        "Create N simulated students (sim-0001, ...), enrol them, record answers drawn "
        "from planner.crowd's learner model, and recalibrate the course's items. "
        "Re-running adds only learners that do not exist yet."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--course", required=True, help="course slug")
        parser.add_argument("--learners", type=int, required=True, help="cohort size")
        parser.add_argument("--answers", type=int, default=None,
                            help="answers per learner (default: twice the items)")
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args: Any, **options: Any) -> None:
        from tutor.services.cohort import cohort_simulate

        course = Course.objects.filter(slug=options["course"]).first()
        if course is None:
            raise CommandError(f"No course with slug {options['course']!r}.")
        if options["learners"] < 1:
            raise CommandError("--learners must be at least 1.")
        report = cohort_simulate(course=course, n_learners=options["learners"],
                                 answers_per_learner=options["answers"], seed=options["seed"])
        self.stdout.write(
            f"{report.created} learners created, {report.skipped} already had answers; "
            f"{report.attempts} answers recorded.\nCalibration: {report.calibration_note}"
        )
