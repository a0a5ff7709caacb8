"""The admin's URLs, imported lazily (issue 19, "Cold start").

`nexusone/urls.py` mounts this module under ADMIN_URL through a `URLResolver`
that names it instead of importing it, and the admin's namespace is not walked
when the rest of the URLconf is resolved or reversed: the module is imported
by the first request under ADMIN_URL, or the first `reverse("admin:…")`. In
the web process the admin app is `SimpleAdminConfig` (settings: WEB_PROCESS),
so the `admin.py` modules — and unfold's admin, which renders a widget, and so
builds the template engine, when its `ModelAdmin` class is defined — are
imported here, on the first staff request, instead of at every worker's boot.
Everywhere else (`manage.py`, the worker, the tests) `AdminConfig` has
discovered them at setup and `autodiscover()` finds them imported.
"""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin

admin.autodiscover()

# Staff sign in through allauth like everyone else: its rate limits and MFA apply.
admin.site.login = secure_admin_login(admin.site.login)

app_name = "admin"
urlpatterns = admin.site.get_urls()
