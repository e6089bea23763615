from django.urls import path

from tutor.views import circuits

urlpatterns = [
    path("courses/<slug:slug>/practice/<slug:item>/builder/", circuits.builder_update,
         name="builder"),
]
