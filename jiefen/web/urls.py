from django.urls import path

from . import health, views

app_name = "web"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("", views.my_work, name="my_work"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/new/", views.case_new, name="case_new"),
    path("cases/new/places/", views.intake_places, name="intake_places"),
    path("cases/new/party/", views.intake_party, name="intake_party"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/print/", views.case_print, name="case_print"),
    path("cases/<int:pk>/parties/<int:party_id>/reveal/", views.party_reveal, name="party_reveal"),
    path("cases/<int:pk>/act/<slug:action>/", views.case_act, name="case_act"),
    path("cases/<int:pk>/act/<slug:action>/fields/", views.case_action_fields, name="case_action_fields"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
]
