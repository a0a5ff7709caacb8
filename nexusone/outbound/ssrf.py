"""Where a user-supplied URL may lead (RELIABILITY.md T10).

The rules, applied to every URL and host a *user* supplies (a page to scrape,
a webhook URL, a shop domain, a knowledge URL) and again to every redirect:

1. Scheme `http` or `https` only; no `user:password@` part; a host name or a
   canonical IP literal (`127.1`, `2130706433`, `0x7f000001`, `0177.0.0.1`
   are refused outright — resolvers read them as 127.0.0.1).
2. Port 80 or 443 only (explicit or implied by the scheme).
3. The host is resolved *once*, every address of the answer must be a global
   unicast address (not private, loopback, link-local, CGNAT, multicast,
   reserved, unspecified, site-local, an IPv4-mapped / 6to4 / NAT64 form of
   one of those, nor cloud metadata), and the connection is made to exactly
   that checked address — TLS still verifies the certificate for the host
   name (SNI) and the Host header is the name. A resolver that answers
   differently the second time (DNS rebinding) gains nothing: there is no
   second lookup.
4. `OUTBOUND_ALLOW_CIDRS` (comma-separated networks, empty by default) exempts
   the listed networks from rules 2 and 3, for local test servers only.

The check of rule 3 runs inside the connection (`GuardedBackend.connect_tcp`),
so it cannot be skipped by any code path that opens a connection through the
checked client, redirects included. `check_url()` is the cheap pre-flight of
rules 1–2 (and 3 for IP literals); `resolve_checked()` applies all rules to a
bare host for non-HTTP clients (e.g. SMTP).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from functools import lru_cache
from typing import Any

import httpcore
import httpx
from django.conf import settings

from nexusone.outbound.errors import UnsafeURL

ALLOWED_SCHEMES = frozenset({"http", "https"})
ALLOWED_PORTS = frozenset({80, 443})

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Ranges `ipaddress` (3.11) may call global but a server must never fetch:
# NAT64 prefixes (they embed an IPv4 address, possibly a private one), IETF
# protocol assignments and the deprecated 6to4 relay anycast block.
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_SPECIAL_V4 = (ipaddress.ip_network("192.0.0.0/24"), ipaddress.ip_network("192.88.99.0/24"))
# A host made only of digits, dots and hex markers is an IP in some notation.
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}\.?$", re.IGNORECASE)


@lru_cache(maxsize=8)
def _parse_cidrs(raw: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in raw if item.strip())


def allowed_networks() -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """The exempted networks from `settings.OUTBOUND_ALLOW_CIDRS` (a list or a comma-separated string)."""
    raw = getattr(settings, "OUTBOUND_ALLOW_CIDRS", None) or ()
    if isinstance(raw, str):
        raw = raw.split(",")
    return _parse_cidrs(tuple(raw))


def is_exempt(ip: IPAddress) -> bool:
    mapped = getattr(ip, "ipv4_mapped", None)
    return any(ip in net or (mapped is not None and mapped in net) for net in allowed_networks())


def is_public_address(ip: IPAddress) -> bool:
    """True only for a global unicast address (see the module docstring)."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return is_public_address(ip.ipv4_mapped)
        if ip.sixtofour is not None and not is_public_address(ip.sixtofour):
            return False
        if ip.teredo is not None or ip.is_site_local or any(ip in net for net in _NAT64):
            return False
    elif any(ip in net for net in _SPECIAL_V4):
        return False
    return ip.is_global and not (
        ip.is_multicast or ip.is_private or ip.is_reserved or ip.is_loopback or ip.is_link_local or ip.is_unspecified
    )


def check_address(ip: IPAddress, port: int) -> None:
    """Raise UnsafeURL unless (ip, port) may be contacted for a user-supplied URL."""
    if is_exempt(ip):
        return
    if not is_public_address(ip):
        raise UnsafeURL("private_address")
    if port not in ALLOWED_PORTS:
        raise UnsafeURL("port")


def _literal_ip(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


def check_url(url: str | httpx.URL) -> httpx.URL:
    """Pre-flight of a user-supplied URL: scheme, credentials, host form, port,
    and the address itself when the host is an IP literal. Returns the parsed
    URL. Host names are resolved and checked at connect time."""
    try:
        parsed = url if isinstance(url, httpx.URL) else httpx.URL(str(url).strip())
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise UnsafeURL("invalid") from exc
    if parsed.scheme not in ALLOWED_SCHEMES:
        raise UnsafeURL("scheme")
    if parsed.userinfo:
        raise UnsafeURL("credentials")
    host = parsed.host
    if not host:
        raise UnsafeURL("host")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    ip = _literal_ip(host)
    if ip is not None:
        check_address(ip, port)
        return parsed
    if _NUMERIC_HOST.match(host):
        raise UnsafeURL("numeric_host")
    if "." not in host.rstrip(".") and not allowed_networks():
        # `localhost`, `metadata`, intranet short names: never a public site.
        raise UnsafeURL("host")
    if port not in ALLOWED_PORTS and not allowed_networks():
        raise UnsafeURL("port")
    return parsed


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (one DNS lookup). Tests replace this."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: list[str] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        address = str(sockaddr[0])
        if address not in seen:
            seen.append(address)
    return seen


def resolve_checked(host: str, port: int) -> list[str]:
    """Resolve a user-supplied host once and return its addresses if *all* of
    them may be contacted on `port`; raise UnsafeURL otherwise. Connect to one
    of the returned addresses, never to the name again."""
    ip = _literal_ip(host)
    if ip is None and _NUMERIC_HOST.match(host):
        raise UnsafeURL("numeric_host")
    try:
        addresses = [str(ip)] if ip is not None else _dns(host, port)
    except OSError as exc:
        raise UnsafeURL("unresolvable") from exc
    if not addresses:
        raise UnsafeURL("unresolvable")
    for address in addresses:
        check_address(ipaddress.ip_address(address.split("%", 1)[0]), port)
    return addresses


def _dns(host: str, port: int) -> list[str]:
    # Looked up through the module attribute so a test's replacement applies.
    from nexusone.outbound import ssrf

    return ssrf.resolve(host, port)


def dial(ip: str, port: int, **options: Any) -> httpcore.NetworkStream:
    """Open the TCP connection to an already-checked address. Tests replace
    this to send "public" test addresses to a local stub."""
    return httpcore.SyncBackend().connect_tcp(ip, port, **options)


class GuardedBackend(httpcore.SyncBackend):
    """httpcore's network backend with rule 3 applied at connect time: resolve
    once, check every address, connect to a checked address by IP. TLS and the
    Host header keep using the host name (httpcore passes it separately)."""

    def connect_tcp(self, host: str, port: int, timeout=None, local_address=None, socket_options=None):
        from nexusone.outbound import ssrf

        addresses = resolve_checked(host, port)
        last_error: Exception | None = None
        for address in addresses:
            try:
                return ssrf.dial(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        assert last_error is not None
        raise last_error

    def connect_unix_socket(self, path, timeout=None, socket_options=None):  # pragma: no cover - never configured
        raise UnsafeURL("host")


def guarded_transport(**options: Any) -> httpx.HTTPTransport:
    """An httpx transport whose every connection passes `GuardedBackend`.

    httpx does not take a network backend as an argument, so the transport's
    connection pool is rebuilt with one (same options httpx itself uses).
    Proxies are never used: a proxy would make the checked address moot."""
    verify = options.pop("verify", True)
    limits = options.pop("limits", httpx.Limits(max_connections=50, max_keepalive_connections=10))
    transport = httpx.HTTPTransport(verify=verify, trust_env=False, limits=limits, **options)
    ssl_context = httpx.create_ssl_context(verify=verify, trust_env=False)
    transport._pool = httpcore.ConnectionPool(
        ssl_context=ssl_context,
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=GuardedBackend(),
    )
    return transport
