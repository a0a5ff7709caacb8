"""The client's address — the one every rate limit, lockout and audit entry uses.

`REMOTE_ADDR` is the peer that connected to us. Behind the production shape's
reverse proxy that peer is the proxy, so every client would share one rate
limit and one lockout. `X-Forwarded-For` carries the real chain, but anyone
can write that header, so it is believed only as far as its hops are our own
proxies (`TRUSTED_PROXIES`: addresses or CIDR networks).

Rule — the rightmost address that is not ours:
    chain = the X-Forwarded-For entries + [REMOTE_ADDR]
    walk from the right while the address is a trusted proxy;
    the first address that is not one is the client.
So with no trusted proxies (the default) the header is ignored and the client
is REMOTE_ADDR; a client that talks to us directly cannot claim another
address; and a client that sends a made-up X-Forwarded-For through our proxy
only adds entries to the *left* of the address the proxy appended — rotating
them changes nothing. If every hop is trusted, the leftmost one is the client.

Header parsing (ports, brackets, IPv4-mapped IPv6, RFC 7239 `for=` tokens) is
python-ipware's, the engine of django-ipware. The answer is cached on the
request.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from python_ipware.modern.parsers import parse_ip, split_proxy_chain, unwrap_ipv4

_CACHE_ATTRIBUTE = "_nexusone_client_ip"


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(f"TRUSTED_PROXIES: {entry!r} is not an address or a CIDR network.") from exc
    return tuple(networks)


def trusted_networks() -> tuple:
    return _networks(tuple(entry for entry in getattr(settings, "TRUSTED_PROXIES", []) if entry.strip()))


def _is_trusted(address, networks) -> bool:
    address = unwrap_ipv4(address)
    return any(address.version == net.version and address in net for net in networks)


def client_address(meta) -> str | None:
    """The client address for a request's META (see the module docstring)."""
    peer = parse_ip(meta.get("REMOTE_ADDR"))
    if peer is None:
        return None
    networks = trusted_networks()
    if not networks or not _is_trusted(peer, networks):
        return str(unwrap_ipv4(peer))
    forwarded = split_proxy_chain(meta.get("HTTP_X_FORWARDED_FOR") or "") or []
    chain = [*forwarded, peer]
    for address in reversed(chain):
        if not _is_trusted(address, networks):
            return str(unwrap_ipv4(address))
    return str(unwrap_ipv4(chain[0]))


def client_ip(request) -> str | None:
    if request is None:
        return None
    django_request = getattr(request, "_request", request)  # DRF wraps Django's request
    cached = getattr(django_request, _CACHE_ATTRIBUTE, None)
    if cached is None:
        cached = client_address(django_request.META) or ""
        setattr(django_request, _CACHE_ATTRIBUTE, cached)
    return cached or None
