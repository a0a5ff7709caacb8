from django.conf import settings
from django.utils import translation


def platform(request):
    """Layout context: language switcher, workspace switcher, RTL flag."""
    context = {
        "LANGUAGE_OPTIONS": [
            (code, translation.get_language_info(code)["name_local"]) for code in settings.LANGUAGE_CODES
        ],
        "IS_RTL": translation.get_language_bidi(),
        "current_workspace": getattr(request, "workspace", None),
    }
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        from accounts.selectors import user_memberships

        context["switcher_memberships"] = list(user_memberships(user=user)[:50])
    return context
