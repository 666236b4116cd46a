from django.urls import path

from . import views

app_name = "assessment"

urlpatterns = [
    path("", views.incident_list, name="incident_list"),
    path("incidents/new/", views.incident_new, name="incident_new"),
    path("incidents/<int:pk>/", views.incident_detail, name="incident_detail"),
    path("incidents/<int:pk>/confirm/", views.incident_confirm, name="incident_confirm"),
    path("incidents/<int:pk>/void/", views.incident_void, name="incident_void"),
    path("incidents/<int:pk>/appeal/", views.incident_appeal, name="incident_appeal"),
    path("appeals/", views.appeal_list, name="appeal_list"),
    path("appeals/<int:pk>/decide/", views.appeal_decide, name="appeal_decide"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("leaders/<int:pk>/", views.leader_detail, name="leader_detail"),
    path("cards/", views.card_list, name="card_list"),
    path("cards/export.xlsx", views.card_export, name="card_export"),
]
