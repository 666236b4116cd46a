from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from jiefen.web import security

urlpatterns = [
    # The admin signs in through the site's page, so lockout and the authenticator apply there too.
    path("admin/login/", RedirectView.as_view(pattern_name="login", query_string=True)),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("login/", security.SignInView.as_view(), name="login"),
    path("account/security/", security.account_security, name="account_security"),
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

handler500 = "jiefen.web.errors.server_error"
