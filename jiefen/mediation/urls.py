from django.urls import path

from . import views

app_name = "mediation"

# Included under cases/<int:pk>/mediation/.
urlpatterns = [
    path("evidence/<int:evidence_id>/", views.evidence_download, name="evidence"),
    path("fields/<slug:op>/", views.mediation_fields, name="fields"),
    path("<slug:op>/", views.mediation_act, name="act"),
    path("<slug:op>/<int:row>/", views.mediation_act, name="act_row"),
]
