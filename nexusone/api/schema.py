"""OpenAPI extensions: describe our authentication classes to drf-spectacular."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter, extend_schema


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "nexusone.api.authentication.ApiKeyAuthentication"
    name = "apiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key nx_<prefix>_<secret>` — a workspace API key.",
        }


class JWTScheme(OpenApiAuthenticationExtension):
    target_class = "nexusone.api.authentication.JWTAuthentication"
    name = "jwtAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "nexusone.api.authentication.SessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}


# For nested routes under /workspaces/{workspace_pk}/…
workspace_path = extend_schema(
    parameters=[OpenApiParameter("workspace_pk", str, OpenApiParameter.PATH, description="Workspace id or slug.")]
)
