from django.urls import path

from . import views

# "statistics", not "reports": the written reports (same app) keep that namespace free for their pages.
app_name = "statistics"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("statistics/", views.statistics_tables, name="statistics"),
    path("statistics/refresh/", views.refresh, name="refresh"),
    path("statistics/table.xlsx", views.export_table, name="export_table"),
    path("statistics/ledger.xlsx", views.export_ledger, name="export_ledger"),
    path("statistics/import/", views.ledger_upload, name="ledger_upload"),
    path("statistics/import/template.xlsx", views.ledger_template, name="ledger_template"),
]
