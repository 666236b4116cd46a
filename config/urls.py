from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("login/", auth_views.LoginView.as_view(template_name="web/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("jiefen.documents.urls")),
    path("cases/<int:pk>/mediation/", include("jiefen.mediation.urls")),
    path("reports/", include("jiefen.reports.urls_archive")),
    path("cases/<int:pk>/agreements/", include("jiefen.mediation.urls_agreements")),
    path("", include("jiefen.meetings.urls")),
    path("", include("jiefen.reports.urls")),  # dashboard/ and statistics/
    path("assessment/", include("jiefen.assessment.urls")),
    path("assessment/year-end/", include("jiefen.assessment.urls_yearend")),
    path("discovery/", include("jiefen.discovery.urls")),
    path("screening/", include("jiefen.screening.urls")),
    path("prevention/", include("jiefen.prevention.urls")),
    path("api/", include("jiefen.api.urls")),
    path("open311/", include("jiefen.open311.urls")),
    path("progress/", include("jiefen.citizen.urls")),
    path("notifications/", include("jiefen.notifications.urls")),
    path("", include("jiefen.web.urls")),
]
