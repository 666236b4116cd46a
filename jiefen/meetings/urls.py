from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("meetings/", views.meeting_list, name="meeting_list"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/prepare/", views.meeting_prepare, name="meeting_prepare"),
    path("meetings/<int:pk>/minutes/", views.meeting_minutes, name="meeting_minutes"),
    path("meetings/<int:pk>/decisions/", views.meeting_decision, name="meeting_decision"),
    path("meetings/<int:pk>/owners/", views.task_owner_options, name="task_owner_options"),
    path("tasks/", views.task_list, name="task_list"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("tasks/<int:pk>/progress/", views.task_progress, name="task_progress"),
    path("tasks/<int:pk>/complete/", views.task_complete, name="task_complete"),
    path("sanlian/", views.deliberation_list, name="deliberation_list"),
    path("sanlian/new/", views.deliberation_new, name="deliberation_new"),
    path("sanlian/<int:pk>/", views.deliberation_detail, name="deliberation_detail"),
    path("sanlian/<int:pk>/record/", views.deliberation_record, name="deliberation_record"),
]
