"""Fixtures shared by every test: the four people of every permission test, and a course.

Every permission test asks all four: a student enrolled in the course, its teacher,
an admin, and an outsider (a student who is not enrolled).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
MINI_COURSE = TESTS / "tutor" / "data" / "mini-course"
ROOT = TESTS.parent


@pytest.fixture(autouse=True)
def _fast_password_hashing(request: pytest.FixtureRequest) -> None:
    # The real hasher is slow by design; tests check permissions, not hashing cost.
    # Asked for by name so the framework-free cores' tests also run with -p no:django.
    if not request.config.pluginmanager.hasplugin("django"):
        return
    settings = request.getfixturevalue("settings")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def mini_course_path(tmp_path: Path) -> Path:
    """A private copy of the mini course that a test may break."""
    dest = tmp_path / "mini-course"
    shutil.copytree(MINI_COURSE, dest)
    return dest


@pytest.fixture
def teacher(db):  # type: ignore[no-untyped-def]
    from tests.tutor.factories import UserFactory

    return UserFactory(username="tess", role="teacher")


@pytest.fixture
def student(db):  # type: ignore[no-untyped-def]
    from tests.tutor.factories import UserFactory

    return UserFactory(username="sam", role="student")


@pytest.fixture
def admin_user(db):  # type: ignore[no-untyped-def]
    from tests.tutor.factories import UserFactory

    return UserFactory(username="ada", role="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def outsider(db):  # type: ignore[no-untyped-def]
    from tests.tutor.factories import UserFactory

    return UserFactory(username="olly", role="student")


@pytest.fixture
def course(teacher, student):  # type: ignore[no-untyped-def]
    """The mini course, owned by ``teacher``, with ``student`` enrolled."""
    from tutor.coursefiles import load_course
    from tutor.services.courses import course_import, enrolment_create

    c = course_import(spec=load_course(MINI_COURSE), actor=teacher)
    enrolment_create(learner=student, course=c)
    return c


@pytest.fixture
def eager_celery() -> Iterator[None]:
    """Run tasks inline for this test, whatever the broker settings say."""
    from kirchhoff.celery import app

    old = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = old


@pytest.fixture
def tasks_run(request: pytest.FixtureRequest) -> Iterator[None]:
    """Tasks queued by this test get run: by a real worker when a broker and a shared
    database are configured (CI's second pass), otherwise eagerly in-process.

    For live-server tests, whose requests commit, so a worker process sees the data.
    """
    from django.conf import settings

    real = (settings.CELERY_BROKER_URL and not settings.CELERY_TASK_ALWAYS_EAGER
            and not settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"))
    request.getfixturevalue("celery_worker_process" if real else "eager_celery")
    yield


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """A real Celery worker process, consuming from the configured broker.

    It talks to the test database, so tests using it need ``transactional_db``.
    Skipped on the embedded default, where there is no broker.
    """
    from django.conf import settings
    from django.db import connection

    if not settings.CELERY_BROKER_URL or settings.CELERY_TASK_ALWAYS_EAGER:
        pytest.skip("needs CELERY_BROKER_URL (a real broker); the embedded default runs eagerly")
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        pytest.skip("a worker process cannot share the in-memory SQLite test database")
    env = dict(os.environ)
    with django_db_blocker.unblock():
        name = connection.settings_dict["NAME"]
    user = db.get("USER") or ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    env["DATABASE_URL"] = f"postgres://{user}@{host}:{port}/{name}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "kirchhoff", "worker", "--pool=solo",
         "--loglevel=warning", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env,
    )
    from kirchhoff.celery import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"Celery worker exited with {proc.returncode}")
        if app.control.ping(timeout=1.0):
            break
    else:
        proc.terminate()
        pytest.fail("Celery worker did not answer a ping within 60 s")
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    # PostgreSQL ends the exited worker's backend a moment later; dropping the test
    # database before it has gone fails ("being accessed by other users"), so wait.
    with django_db_blocker.unblock(), connection.cursor() as cur:
        for _ in range(100):
            cur.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND pid <> pg_backend_pid()")
            if cur.fetchone()[0] == 0:
                break
            time.sleep(0.1)
