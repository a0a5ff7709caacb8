"""Media library rules in the permission table (nexusone.permissions): viewers
browse and open files, members upload, generate and delete."""

from accounts.models import Role
from nexusone.permissions import Rule, register

register(
    Rule("medialib.view", Role.VIEWER, "Browse the media library and open its files"),
    Rule("medialib.change", Role.MEMBER, "Upload, generate and delete media files"),
)
