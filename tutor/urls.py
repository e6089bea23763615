from django.urls import include, path, re_path

from tutor.views import core

urlpatterns = [
    path("", core.home, name="home"),
    path("courses/<slug:slug>/", core.course_detail, name="course"),
    path("courses/<slug:slug>/enrol/", core.course_enrol, name="enrol"),
    path("courses/<slug:slug>/lessons/<slug:lesson>/", core.lesson_detail, name="lesson"),
    path("courses/<slug:slug>/practice/", core.practice_next, name="practice-next"),
    path("courses/<slug:slug>/practice/<slug:item>/", core.practice, name="practice"),
    path("courses/<slug:slug>/practice/<slug:item>/answer/", core.practice_answer,
         name="practice-answer"),
    path("courses/<slug:slug>/practice/<slug:item>/hint/", core.practice_hint,
         name="practice-hint"),
    path("courses/<slug:slug>/practice/<slug:item>/attempts/<int:attempt>/",
         core.attempt_status, name="attempt-status"),
    path("studio/", core.studio, name="studio"),
    path("studio/import/", core.studio_import, name="studio-import"),
    path("studio/help/course-format/", core.studio_course_format, name="studio-course-format"),
    path("studio/<slug:slug>/", core.studio_course, name="studio-course"),
    re_path(r"^studio/(?P<slug>[-a-zA-Z0-9_]+)/export\.(?P<form>zip|yaml)$", core.studio_export,
            name="studio-export"),
    path("", include("tutor.urls_learning")),
    path("", include("tutor.urls_paths")),
    path("", include("tutor.urls_circuits")),
]
