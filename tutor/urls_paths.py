from django.urls import path

from tutor.views import paths

urlpatterns = [
    path("courses/<slug:slug>/path/", paths.path, name="path"),
    path("courses/<slug:slug>/path/goals/", paths.path_goals, name="path-goals"),
    path("studio/<slug:slug>/learners/<str:username>/path/", paths.studio_learner_path,
         name="studio-learner-path"),
]
