"""Provider clients of the integrations app: each verifies credentials with
one cheap live call through the outbound door and reports what the
connection reaches. The OAuth providers also run their token flows."""
