from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from walkback import views as core_views

admin.site.site_header = "WalkBack administration"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("healthz/ready", core_views.healthz_ready, name="healthz-ready"),
    # At the top of the site so the worker's scope is every page (docs/offline.md).
    path("", include("coaching.portal.pwa_urls")),
    # The words of static/walkback/*.js (gettext in the browser), in the page's language.
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("accounts/", include("walkback.accounts.urls")),
    # Django's set_language: a visitor not logged in picks a language on the public pages
    # (docs/languages.md#which-language); a logged-in person's own choice still wins.
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("walkback.reports.staff_urls")),
    path("clinic/", include("walkback.reports.urls")),
    path("site/", include("walkback.reports.site_urls")),
    path("caseload/diary/", include("coaching.diary.urls")),
    path("caseload/", include("coaching.urls")),
    path("patients/", include("coaching.patient_urls")),
    path("me/calendar/", include("coaching.diary.portal_urls")),
    path("me/questionnaires/", include("coaching.proms.portal_urls")),
    path("me/", include("coaching.portal.urls")),
    path("questionnaires/", include("coaching.proms.urls")),
    path("reminders/", include("coaching.reminders.urls")),
    path("feeds/", include("coaching.diary.feed_urls")),
    path("admin/", admin.site.urls),
]
