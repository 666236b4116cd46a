from django.urls import path

from . import views_agreements as views

app_name = "agreements"

# Included under cases/<int:pk>/agreements/.
urlpatterns = [
    path("download/<int:agreement_id>/", views.agreement_scan, name="scan"),
    path("fields/<slug:op>/", views.agreements_fields, name="fields"),
    path("fields/<slug:op>/<int:row>/", views.agreements_fields, name="fields_row"),
    path("<slug:op>/", views.agreements_act, name="act"),
    path("<slug:op>/<int:row>/", views.agreements_act, name="act_row"),
]
