"""`{% load permissions %}` … `{% if membership|may:"accounts.invitation.create" %}`:
templates ask the permission table (nexusone.permissions) like views do."""

from django import template

from nexusone import permissions as table

register = template.Library()


@register.filter
def may(membership, name: str) -> bool:
    role = getattr(membership, "role", membership)
    return bool(role) and table.allowed(name, role)
