from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from tutor import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("courses/<slug:slug>/", views.course_detail, name="course"),
    path("courses/<slug:slug>/enrol/", views.course_enrol, name="enrol"),
    path("courses/<slug:slug>/lessons/<slug:lesson>/", views.lesson_detail, name="lesson"),
    path("courses/<slug:slug>/practice/", views.practice_next, name="practice-next"),
    path("courses/<slug:slug>/practice/<slug:item>/", views.practice, name="practice"),
    path("courses/<slug:slug>/practice/<slug:item>/answer/", views.practice_answer,
         name="practice-answer"),
    path("courses/<slug:slug>/practice/<slug:item>/attempts/<int:attempt>/",
         views.attempt_status, name="attempt-status"),
    path("studio/", views.studio, name="studio"),
    path("studio/import/", views.studio_import, name="studio-import"),
    path("admin/", admin.site.urls),
]
