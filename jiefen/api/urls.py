from django.urls import path, re_path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView

from . import views, views_tokens
from .errors import not_found_response

app_name = "api"

urlpatterns = [
    path("tokens/", views_tokens.token_list, name="tokens"),
    path("tokens/<int:pk>/revoke/", views_tokens.token_revoke, name="token_revoke"),
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file, so a strict Content-Security-Policy
    # (script-src 'self') still lets the page run.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("v1/cases/", views.CaseListView.as_view(), name="case_list"),
    path("v1/cases/<int:pk>/", views.CaseDetailView.as_view(), name="case_detail"),
    path("v1/cases/<int:pk>/transitions/", views.CaseTransitionsView.as_view(), name="case_transitions"),
    path("v1/cases/<int:pk>/parties/", views.CasePartiesView.as_view(), name="case_parties"),
    path("v1/cases/<int:pk>/events/", views.CaseEventsView.as_view(), name="case_events"),
    path("v1/cases/<int:pk>/sessions/", views.CaseSessionsView.as_view(), name="case_sessions"),
    path("v1/cases/<int:pk>/agreements/", views.CaseAgreementsView.as_view(), name="case_agreements"),
    path("v1/cases/<int:pk>/documents/", views.CaseDocumentsView.as_view(), name="case_documents"),
    path("v1/cases/<int:pk>/documents/<slug:kind>.<slug:fmt>", views.CaseDocumentView.as_view(), name="case_document"),
    path("v1/cases/<int:pk>/dossier.pdf", views.CaseDossierView.as_view(), name="case_dossier"),
    path("v1/statistics/", views.StatisticsView.as_view(), name="statistics"),
    # Anything else under /api/ answers the API's JSON 404, not the site's HTML page.
    re_path(r"^[\s\S]*$", not_found_response, name="not_found"),  # [\s\S]: a path may hold a newline
]
