from django.urls import path

from . import views

app_name = "citizen"

urlpatterns = [
    path("", views.lookup, name="lookup"),
    path("case/", views.progress, name="progress"),
    path("rate/", views.rate, name="rate"),
    path("leave/", views.forget, name="forget"),
]
