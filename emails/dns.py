"""The DNS records a sender's domain must publish, and checking them.

- **SPF** (TXT at the domain): `v=spf1 include:<service> ~all` — the include
  is EMAIL_SPF_INCLUDE, else the anymail provider's documented one.
- **DKIM** (TXT at `<DKIM_SELECTOR>._domainkey.<domain>`): with
  DKIM_PRIVATE_KEY (plain SMTP) our public key; with a sending service, the
  key that service gives (its own selector, often a CNAME — the check
  accepts any published `p=` key at our selector).
- **DMARC** (TXT at `_dmarc.<domain>`): `v=DMARC1; p=none; …` to start with.

`domain_check()` looks them up with dnspython (EMAIL_DNS_NAMESERVERS points
it at specific servers, `host` or `host:port`; else the system resolver).
Each record is `ok`, `missing` (no such record), `mismatch` (a record, but
not ours) or `error` (the lookup failed: try again later).
"""

from __future__ import annotations

import base64
import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    import dns.resolver

# dnspython's resolver (~0.1 s of imports) is imported by the first lookup, not with this module:
# the sender API's views import it, so a web worker's first request would pay it (issue 19).

# The include each sending service documents for SPF.
PROVIDER_SPF = {
    "amazon_ses": "amazonses.com",
    "brevo": "spf.brevo.com",
    "mailgun": "mailgun.org",
    "postmark": "spf.mtasv.net",
    "sendgrid": "sendgrid.net",
    "resend": "amazonses.com",
    "sparkpost": "sparkpostmail.com",
    "mailersend": "_spf.mlsend.com",
}
LOOKUP_SECONDS = 5.0


@dataclass(frozen=True)
class Record:
    kind: str  # "spf" | "dkim" | "dmarc"
    type: str
    host: str
    value: str

    def as_dict(self) -> dict:
        return {"kind": self.kind, "type": self.type, "host": self.host, "value": self.value}


def spf_include() -> str:
    return settings.EMAIL_SPF_INCLUDE or PROVIDER_SPF.get(settings.ANYMAIL_PROVIDER, "")


@functools.cache
def dkim_public_key(private_pem: str) -> str:
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode()


def records_for(domain: str) -> list[Record]:
    include = spf_include()
    spf = f"v=spf1 include:{include} ~all" if include else "v=spf1 a mx ~all"
    if settings.DKIM_PRIVATE_KEY:
        dkim = f"v=DKIM1; k=rsa; p={dkim_public_key(settings.DKIM_PRIVATE_KEY)}"
    else:
        dkim = "v=DKIM1; k=rsa; p=" + _("<the public key your sending service gives you>")
    return [
        Record("spf", "TXT", domain, spf),
        Record("dkim", "TXT", f"{settings.DKIM_SELECTOR}._domainkey.{domain}", dkim),
        Record("dmarc", "TXT", f"_dmarc.{domain}", f"v=DMARC1; p=none; rua=mailto:dmarc-reports@{domain}"),
    ]


def _resolver() -> dns.resolver.Resolver:
    import dns.resolver

    servers = [s for s in settings.EMAIL_DNS_NAMESERVERS if s]
    resolver = dns.resolver.Resolver(configure=not servers)
    if servers:
        hosts, ports = [], set()
        for server in servers:
            host, _sep, port = server.rpartition(":") if server.count(":") == 1 else (server, "", "")
            hosts.append(host)
            if port:
                ports.add(int(port))
        resolver.nameservers = hosts
        if ports:
            resolver.port = ports.pop()
    resolver.lifetime = resolver.timeout = LOOKUP_SECONDS
    return resolver


class LookupFailed(Exception):
    pass


def _txt(resolver: dns.resolver.Resolver, host: str) -> list[str]:
    import dns.exception
    import dns.resolver

    try:
        answer = resolver.resolve(host, "TXT")
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except (dns.exception.Timeout, dns.resolver.NoNameservers, dns.exception.DNSException) as exc:
        raise LookupFailed(str(exc)) from exc
    return [b"".join(rdata.strings).decode("utf-8", "replace") for rdata in answer]


def _normalized(value: str) -> str:
    return " ".join(value.replace(";", "; ").split()).lower()


def _judge(kind: str, expected: Record, found: list[str]) -> str:
    if kind == "spf":
        spf = [v for v in found if v.lower().startswith("v=spf1")]
        if not spf:
            return "missing"
        include = spf_include()
        return "ok" if not include or f"include:{include}" in spf[0].lower() else "mismatch"
    if kind == "dkim":
        keys = [v for v in found if "p=" in v.replace(" ", "")]
        if not keys:
            return "missing"
        if settings.DKIM_PRIVATE_KEY:
            ours = dkim_public_key(settings.DKIM_PRIVATE_KEY)
            return "ok" if any(ours in v.replace(" ", "") for v in keys) else "mismatch"
        return "ok"
    dmarc = [v for v in found if _normalized(v).startswith("v=dmarc1")]
    return "ok" if dmarc else "missing"


def domain_check(domain: str) -> dict:
    """{"spf": status, "dkim": status, "dmarc": status, "found": {kind: [values]}, "verified": bool}."""
    resolver = _resolver()
    result: dict = {"found": {}}
    for record in records_for(domain):
        try:
            found = _txt(resolver, record.host)
        except LookupFailed as exc:
            result[record.kind] = "error"
            result["found"][record.kind] = [str(exc)[:200]]
            continue
        result["found"][record.kind] = [value[:500] for value in found[:5]]
        result[record.kind] = _judge(record.kind, record, found)
    result["verified"] = all(result.get(kind) == "ok" for kind in ("spf", "dkim", "dmarc"))
    return result


def domain_preverified(domain: str) -> bool:
    """Domains in EMAIL_VERIFIED_DOMAINS count as verified without a lookup."""
    allowed = {d.strip().lower() for d in settings.EMAIL_VERIFIED_DOMAINS if d.strip()}
    return domain.lower() in allowed
