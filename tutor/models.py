"""The tutor's data: people and roles, courses and their content, learners' work.

Models hold data and constraints only; behaviour lives in services (writes) and
selectors (reads).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q


class User(AbstractUser):
    class Role(models.TextChoices):
        STUDENT = "student", "Student"
        TEACHER = "teacher", "Teacher"
        ADMIN = "admin", "Admin"

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.STUDENT)

    @property
    def is_student(self) -> bool:
        return self.role == self.Role.STUDENT

    @property
    def is_teacher(self) -> bool:
        return self.role == self.Role.TEACHER

    @property
    def is_admin_role(self) -> bool:
        return self.role == self.Role.ADMIN


class Course(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    description_html = models.TextField(blank=True)  # rendered at import, as lessons are
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_courses"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class Enrolment(models.Model):
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments"
    )
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrolments")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner", "course"], name="one_enrolment_per_course")
        ]

    def __str__(self) -> str:
        return f"{self.learner} in {self.course}"


class Concept(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="concepts")
    key = models.SlugField(max_length=80)
    name = models.CharField(max_length=200)
    summary = models.CharField(max_length=500, blank=True)
    order = models.PositiveIntegerField(default=0)
    prerequisites = models.ManyToManyField(
        "self", symmetrical=False, through="Prerequisite", through_fields=("after", "before"),
        related_name="dependents",
    )

    class Meta:
        ordering = ["course", "order"]
        constraints = [
            models.UniqueConstraint(fields=["course", "key"], name="concept_key_unique_in_course")
        ]

    def __str__(self) -> str:
        return self.name


class Prerequisite(models.Model):
    """``before`` must be learnt before ``after``; both in the same course (import checks)."""

    before = models.ForeignKey(Concept, on_delete=models.CASCADE, related_name="+")
    after = models.ForeignKey(Concept, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["before", "after"], name="prerequisite_unique"),
            models.CheckConstraint(condition=~Q(before=models.F("after")), name="no_self_prereq"),
        ]

    def __str__(self) -> str:
        return f"{self.before_id} before {self.after_id}"


class Misconception(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="misconceptions")
    key = models.SlugField(max_length=80)
    description = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["course", "key"], name="misconception_key_unique_in_course"
            )
        ]

    def __str__(self) -> str:
        return self.key


class Lesson(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="lessons")
    slug = models.SlugField(max_length=120)
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Markdown source, as in the course file")
    body_html = models.TextField(help_text="Rendered and sanitised at import")
    order = models.PositiveIntegerField(default=0)
    concepts = models.ManyToManyField(Concept, related_name="lessons")

    class Meta:
        ordering = ["course", "order"]
        constraints = [
            models.UniqueConstraint(fields=["course", "slug"], name="lesson_slug_unique_in_course")
        ]

    def __str__(self) -> str:
        return self.title


class Item(models.Model):
    class Kind(models.TextChoices):
        MULTIPLE_CHOICE = "multiple_choice", "Multiple choice"
        NUMERIC = "numeric", "Numeric"
        CIRCUIT = "circuit", "Circuit"
        DESIGN = "design", "Circuit design"

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="items")
    key = models.SlugField(max_length=120)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    prompt = models.TextField()
    prompt_html = models.TextField()
    explanation = models.TextField(blank=True)
    explanation_html = models.TextField(blank=True)
    hints = models.JSONField(default=list, blank=True)
    order = models.PositiveIntegerField(default=0)
    concepts = models.ManyToManyField(Concept, related_name="items")
    # numeric and circuit items: the stated answer and its relative tolerance
    answer_text = models.CharField(max_length=64, blank=True)
    answer_value = models.FloatField(null=True, blank=True)
    answer_unit = models.CharField(max_length=8, blank=True)
    tolerance = models.FloatField(default=0.01)
    # circuit items
    netlist = models.TextField(
        blank=True, help_text="circuit items: the circuit; design items: the given part"
    )
    ask = models.CharField(max_length=120, blank=True)
    constraints = models.JSONField(default=list, blank=True, help_text="design items")
    # IRT: the teacher's guess, then what calibration measured
    difficulty = models.FloatField(default=0.0, help_text="Teacher-given difficulty b")
    irt_a = models.FloatField(null=True, blank=True)
    irt_b = models.FloatField(null=True, blank=True)
    irt_se_a = models.FloatField(null=True, blank=True)
    irt_se_b = models.FloatField(null=True, blank=True)
    # An item dropped from the course file is retired, not deleted: attempts stay.
    is_active = models.BooleanField(default=True)
    # The course file the item came from, so export writes the same layout back.
    source_file = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["course", "order"]
        constraints = [
            models.UniqueConstraint(fields=["course", "key"], name="item_key_unique_in_course")
        ]

    def __str__(self) -> str:
        return self.key

    @property
    def summary(self) -> str:
        """The prompt's first words as plain text, for links and page titles."""
        from tutor.rendering import plain_summary

        return plain_summary(self.prompt_html)


class Choice(models.Model):
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="choices")
    text = models.CharField(max_length=500)
    text_html = models.TextField(blank=True)
    is_correct = models.BooleanField(default=False)
    misconception = models.ForeignKey(
        Misconception, null=True, blank=True, on_delete=models.SET_NULL, related_name="choices"
    )
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["item", "order"]

    def __str__(self) -> str:
        return self.text


class LearningUnit(models.Model):
    class Kind(models.TextChoices):
        LESSON = "lesson", "Lesson with practice"
        WORKED_EXAMPLE = "worked-example", "Worked example"
        REVIEW = "review", "Review block"
        PRACTICE = "practice", "Practice"

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="units")
    key = models.SlugField(max_length=120)
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.LESSON)
    minutes = models.PositiveIntegerField(default=20)
    covers = models.ManyToManyField(Concept, related_name="units")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["course", "key"], name="unit_key_unique_in_course")
        ]

    def __str__(self) -> str:
        return self.title


class Attempt(models.Model):
    class Verdict(models.TextChoices):
        PENDING = "pending", "Being checked"
        CORRECT = "correct", "Correct"
        INCORRECT = "incorrect", "Incorrect"
        INVALID = "invalid", "Could not be read"

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attempts"
    )
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="attempts")
    raw_answer = models.TextField()
    verdict = models.CharField(max_length=10, choices=Verdict.choices, default=Verdict.PENDING)
    feedback = models.JSONField(default=dict, blank=True)
    misconception = models.ForeignKey(
        Misconception, null=True, blank=True, on_delete=models.SET_NULL, related_name="attempts"
    )
    hints_used = models.PositiveSmallIntegerField(default=0)
    idempotency_key = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # A double submit carries the same key and is recorded once.
            models.UniqueConstraint(
                fields=["learner", "idempotency_key"], name="attempt_idempotent_per_learner"
            )
        ]
        indexes = [models.Index(fields=["learner", "item"])]

    def __str__(self) -> str:
        return f"{self.learner} on {self.item}: {self.verdict}"

    @property
    def is_correct(self) -> bool:
        return self.verdict == self.Verdict.CORRECT


class LearnerGoal(models.Model):
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="goals"
    )
    concept = models.ForeignKey(Concept, on_delete=models.CASCADE, related_name="goal_of")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner", "concept"], name="goal_unique")
        ]

    def __str__(self) -> str:
        return f"{self.learner} aims at {self.concept}"


class LearnerState(models.Model):
    """A learner's model for one course, as the knowledge_graph core serialises it.

    One row per learner and course, updated in the same transaction as each attempt,
    so mastery is always current. ``theta`` is the learner's IRT ability (EAP).
    """

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="learner_states"
    )
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="learner_states")
    state = models.JSONField(default=dict)
    theta = models.FloatField(default=0.0)
    theta_se = models.FloatField(default=1.0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner", "course"], name="one_state_per_course")
        ]

    def __str__(self) -> str:
        return f"{self.learner_id} in {self.course_id}"


class LearnerPlan(models.Model):
    """The learner's current learning path for a course (the planner core's plan as JSON)."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="plans"
    )
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="plans")
    plan = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner", "course"], name="one_plan_per_course")
        ]

    def __str__(self) -> str:
        return f"plan of {self.learner_id} in {self.course_id}"


class DiagnosticSession(models.Model):
    """An adaptive diagnostic a learner takes on entering a course."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        FINISHED = "finished", "Finished"

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="diagnostics"
    )
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="diagnostics")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    state = models.JSONField(default=dict)
    result = models.JSONField(default=dict, blank=True)
    attempts = models.ManyToManyField(Attempt, blank=True, related_name="+")
    # A circuit answer is judged by SPICE in a Celery task: until its verdict is in, the
    # session waits for it (the page polls) and takes no other answer.
    awaiting = models.ForeignKey(
        Attempt, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "course"], condition=Q(status="running"),
                name="one_running_diagnostic",
            )
        ]

    def __str__(self) -> str:
        return f"diagnostic of {self.learner_id} in {self.course_id}: {self.status}"


class CourseCalibration(models.Model):
    """IRT calibration bookkeeping for a course: when it last ran and on how much data."""

    course = models.OneToOneField(Course, on_delete=models.CASCADE, related_name="calibration")
    attempts_used = models.PositiveIntegerField(default=0)
    log_likelihood = models.FloatField(null=True, blank=True)
    iterations = models.PositiveIntegerField(default=0)
    calibrated_at = models.DateTimeField(null=True, blank=True)
    requested_at = models.DateTimeField(null=True, blank=True)
    # When a run last ended, whatever it did (a run that kept the values sets no
    # calibrated_at), so the studio can tell "ran" from "queued".
    last_run_at = models.DateTimeField(null=True, blank=True)
    # What the last run did or why it kept the old parameters (too little data), for the studio.
    note = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"calibration of {self.course_id}"
