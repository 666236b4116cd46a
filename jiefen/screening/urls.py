from django.urls import path

from . import views

app_name = "screening"

urlpatterns = [
    path("", views.campaign_list, name="campaign_list"),
    path("new/", views.campaign_new, name="campaign_new"),
    path("tally/", views.tally_new, name="tally_new"),
    path("findings/new/", views.finding_new, name="finding_new"),
    path("<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("<int:pk>/close/", views.campaign_close, name="campaign_close"),
    path("<int:pk>/start/", views.campaign_start, name="campaign_start"),
    path("<int:pk>/grids/<int:row>/target/", views.grid_target, name="grid_target"),
    path("<int:pk>/export.xlsx", views.campaign_export, name="campaign_export"),
]
