from django.urls import path

from . import views

app_name = "documents"

urlpatterns = [
    # The numbered form first: a kind never ends in "-<digits>", and <slug> would take the hyphen.
    path("cases/<int:pk>/documents/<slug:kind>-<int:ref>.<slug:fmt>", views.document_download, name="document_ref"),
    path("cases/<int:pk>/documents/<slug:kind>.<slug:fmt>", views.document_download, name="document"),
    path("cases/<int:pk>/dossier.pdf", views.dossier_download, name="dossier"),
]
