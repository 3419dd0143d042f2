from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("schulsozial.dashboard.urls")),
    path("accounts/", include("schulsozial.accounts.urls")),
    path("stammdaten/", include("schulsozial.masterdata.urls")),
    path("konzepte/", include("schulsozial.concepts.urls")),
    path("verteilung/", include("schulsozial.allocation.urls")),
    path("dokumentation/", include("schulsozial.activities.urls")),
    path("api/v1/", include("schulsozial.activities.api_urls")),
    path("statistik/", include("schulsozial.statistics.urls")),
    path("datenschutz/", include("schulsozial.privacy.urls")),
    path("benachrichtigungen/", include("schulsozial.notifications.urls")),
    path("ratsvorlagen/", include("schulsozial.council.urls")),
    path("stellenplanung/", include("schulsozial.staffing.urls")),
    path("vertraege/", include("schulsozial.contracts.urls")),
    path("qualitaet/", include("schulsozial.quality.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("django-admin/", admin.site.urls),
]

# The platform's own error pages, German in its layout (issue 13).
handler400 = "schulsozial.core.views_errors.bad_request"
handler403 = "schulsozial.core.views_errors.permission_denied"
handler404 = "schulsozial.core.views_errors.page_not_found"
handler500 = "schulsozial.core.views_errors.server_error"
