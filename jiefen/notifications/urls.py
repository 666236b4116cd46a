from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("settings/", views.preferences, name="settings"),
]
