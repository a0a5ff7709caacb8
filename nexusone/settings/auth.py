"""Accounts: the user model, password hashing, allauth (sign-in, MFA, social, headless JWT)."""

from __future__ import annotations

from .base import SITE_URL, env

# --- Auth -----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
# Argon2id at OWASP's minimum (m=19 MiB, t=2, p=1): see accounts/hashers.py.
PASSWORD_HASHERS = [
    "accounts.hashers.OwaspArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "optional"  # mail is sent at sign-up; sign-in works before it is confirmed
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_UNIQUE_EMAIL = True
# Sign-up must answer "e-mail taken" (400) rather than pretend; see docs/architecture.md.
ACCOUNT_PREVENT_ENUMERATION = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "change_password": "5/m/user",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[NexusOne] "
MFA_ADAPTER = "allauth.mfa.adapter.DefaultMFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "NexusOne"

HEADLESS_ONLY = False
HEADLESS_TOKEN_STRATEGY = "allauth.headless.tokens.strategies.jwt.JWTTokenStrategy"
# RS256 with JWT_PRIVATE_KEY (PEM) when set, else HS256 keyed by SECRET_KEY.
HEADLESS_JWT_PRIVATE_KEY = env.str("JWT_PRIVATE_KEY", multiline=True, default="")
HEADLESS_JWT_ALGORITHM = "RS256" if HEADLESS_JWT_PRIVATE_KEY else "HS256"
# Each access token is checked against its server-side session, so logout,
# password change and deactivation revoke it at once, not at expiry.
HEADLESS_JWT_STATEFUL_VALIDATION_ENABLED = True
HEADLESS_JWT_ACCESS_TOKEN_EXPIRES_IN = env.int("JWT_ACCESS_TOKEN_SECONDS", default=300)
HEADLESS_JWT_REFRESH_TOKEN_EXPIRES_IN = env.int("JWT_REFRESH_TOKEN_SECONDS", default=14 * 24 * 3600)
HEADLESS_JWT_ROTATE_REFRESH_TOKEN = True
HEADLESS_SERVE_SPECIFICATION = False
HEADLESS_FRONTEND_URLS = {
    "account_confirm_email": f"{SITE_URL}/accounts/confirm-email/{{key}}/",
    "account_reset_password_from_key": f"{SITE_URL}/accounts/password/reset/key/{{key}}/",
    "account_signup": f"{SITE_URL}/accounts/signup/",
}


def _social_app(client_id_var: str, secret_var: str) -> list[dict]:
    """A provider appears (and shows a button) only when its keys are set."""
    client_id = env(client_id_var, default="")
    secret = env(secret_var, default="")
    return [{"client_id": client_id, "secret": secret, "key": ""}] if client_id and secret else []


SOCIALACCOUNT_PROVIDERS = {
    "google": {"APPS": _social_app("GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET"), "SCOPE": ["profile", "email"]},
    "facebook": {"APPS": _social_app("FACEBOOK_CLIENT_ID", "FACEBOOK_CLIENT_SECRET"), "METHOD": "oauth2"},
    "tiktok": {"APPS": _social_app("TIKTOK_CLIENT_KEY", "TIKTOK_CLIENT_SECRET")},
}
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
