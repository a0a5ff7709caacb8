"""Clients for the platforms and suppliers commerce talks to (all through the outbound door)."""
