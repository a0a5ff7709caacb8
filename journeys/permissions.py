"""Journey rules in the permission table: viewers read, members build and run them."""

from accounts.models import Role
from nexusone.permissions import STAFF, Rule, register

register(
    Rule("journeys.view", Role.VIEWER, "Read journeys and their statistics"),
    Rule("journeys.change", Role.MEMBER, "Build, activate and pause journeys"),
    Rule("journeys.admin.pause", STAFF, "Pause a journey (staff)"),
)
