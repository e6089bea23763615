"""Every link the product shows leads to a page: a crawl of the demo course, as each role.

A link that ends on a 404, a 403, a 405 or a 500 is a broken promise to whoever follows
it, and the unit tests of each page cannot see it: they check the pages, not the links
between them. The crawl follows every same-site ``href`` (and redirects) breadth-first
from the home page, with a simulated cohort in the course so the studio has learners.
"""

from __future__ import annotations

import re
from collections import deque
from html import unescape
from urllib.parse import urljoin, urlsplit

import pytest
from django.test import Client

HREF = re.compile(r'\bhref="([^"]*)"')
LIMIT = 800  # pages per role: the demo course has about 250 the student can reach


def _followable(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return False  # another site, mailto:, or a fragment of this page
    if parts.path.startswith("/static/"):
        return False  # served by the web server, not by Django
    if parts.path.startswith("/admin/"):
        # the admin's own pages are Django's; ours are its index and each list (its
        # sorting and filtering links multiply without end and are Django's too)
        return not parts.query and re.fullmatch(r"/admin/(tutor/[a-z]+/)?", parts.path) is not None
    return True


def _crawl(client: Client) -> tuple[set[str], list[str]]:
    seen, broken = {"/"}, []
    queue: deque[tuple[str, str]] = deque([("/", "(start)")])
    while queue:
        url, came_from = queue.popleft()
        response = client.get(url)
        if response.status_code in (301, 302):
            found = [urljoin(url, response["Location"])]
        elif response.status_code == 200:
            kind = response.get("Content-Type", "")
            body = response.content.decode() if kind.startswith("text/html") else ""
            found = [urljoin(url, unescape(h)) for h in HREF.findall(body)]
        else:
            broken.append(f"{url} -> {response.status_code} (linked from {came_from})")
            continue
        for link in found:
            link = link.split("#", 1)[0]
            if link and link not in seen and _followable(link):
                assert len(seen) < LIMIT, f"more than {LIMIT} pages: {sorted(seen)[:20]}"
                seen.add(link)
                queue.append((link, url))
    return seen, broken


@pytest.fixture
def demo(db):  # type: ignore[no-untyped-def]
    from tutor.models import Item
    from tutor.services.attempts import attempt_record
    from tutor.services.cohort import cohort_simulate
    from tutor.services.demo import demo_load

    result = demo_load()
    cohort_simulate(course=result.course, n_learners=4, answers_per_learner=30, seed=1)
    # the student's own answers, so the answer history and "My knowledge" have links
    student = result.course.enrolments.get(learner__username="student").learner
    for n, item in enumerate(result.course.items.filter(kind=Item.Kind.NUMERIC)[:3]):
        attempt_record(learner=student, item=item, answer="1 V", idempotency_key=f"crawl-{n}")
    return result


@pytest.mark.parametrize("who", ["anonymous", "student", "teacher", "admin"])
def test_every_link_leads_to_a_page(demo, who):  # type: ignore[no-untyped-def]
    from tutor.models import User

    client = Client()
    if who != "anonymous":
        client.force_login(User.objects.get(username=who))
    seen, broken = _crawl(client)
    assert broken == []
    # the crawl reached what this role should see (it is not vacuous)
    course = demo.course.slug
    expected = {
        "anonymous": ["/login/"],
        "student": [f"/courses/{course}/knowledge/", f"/courses/{course}/path/",
                    f"/courses/{course}/diagnostic/"],
        "teacher": [f"/studio/{course}/", f"/studio/{course}/items/",
                    f"/studio/{course}/overview/"],
        "admin": ["/admin/", f"/studio/{course}/"],
    }[who]
    assert [url for url in expected if not any(s.split("?")[0] == url for s in seen)] == []
    if who == "student":
        assert sum("/practice/" in url for url in seen) > 100
