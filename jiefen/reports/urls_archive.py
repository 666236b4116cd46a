from django.urls import path

from . import views_archive as views

app_name = "reports_archive"

urlpatterns = [
    path("archive/", views.archive, name="list"),
    path("archive/generate/", views.report_generate, name="generate"),
    path("archive/file/<int:pk>.<slug:fmt>", views.report_download, name="download"),
    path("archive/<slug:kind>/<str:period>/", views.report_detail, name="detail"),
]
