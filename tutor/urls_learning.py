from django.urls import URLPattern, path

from tutor.views import learning

urlpatterns: list[URLPattern] = [
    path("courses/<slug:slug>/diagnostic/", learning.diagnostic, name="diagnostic"),
    path("courses/<slug:slug>/diagnostic/start/", learning.diagnostic_begin,
         name="diagnostic-start"),
    path("courses/<slug:slug>/diagnostic/answer/", learning.diagnostic_submit,
         name="diagnostic-answer"),
    path("courses/<slug:slug>/diagnostic/answers/<int:attempt>/", learning.diagnostic_question,
         name="diagnostic-question"),
    path("courses/<slug:slug>/diagnostic/result/", learning.diagnostic_result,
         name="diagnostic-result"),
    path("courses/<slug:slug>/knowledge/", learning.knowledge, name="knowledge"),
    path("studio/<slug:slug>/overview/", learning.studio_overview, name="studio-overview"),
    path("studio/<slug:slug>/learners/<str:username>/knowledge/",
         learning.studio_learner_knowledge, name="studio-learner-knowledge"),
    path("studio/<slug:slug>/items/", learning.studio_items, name="studio-items"),
    path("studio/<slug:slug>/items/recalibrate/", learning.studio_recalibrate,
         name="studio-recalibrate"),
]
