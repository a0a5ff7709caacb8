"""T10 — SSRF: the outbound door never fetches an address that is not
globally routable, whatever the URL, DNS answer or redirect says.

The network is simulated at its two real seams: `ssrf.resolve` (DNS) and
`ssrf.dial` (the TCP connect). `dial` sends the one "public" test address to
the public stub (a local server that answers and redirects) and *every other
address* to the canary listener — so any connection the rules fail to stop
shows up as a canary hit.
"""

from __future__ import annotations

import time

import httpcore
import pytest

from nexusone import outbound
from nexusone.outbound import ssrf
from nexusone.outbound.errors import OutboundTimeout, ResponseTooLarge, UnsafeURL
from nexusone.tests.httpstub import StubServer, query, reply, stream_forever

PUBLIC_IP = "93.184.216.34"  # a global unicast address; the fake dial maps it to the stub

BLOCKED_URLS = [
    "http://127.0.0.1/",
    "http://0.0.0.0/",
    "http://10.0.0.1/",
    "http://172.16.0.1/",
    "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.64.0.1/",
    "http://224.0.0.1/",
    "http://255.255.255.255/",
    "http://[::1]/",
    "http://[::]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:169.254.169.254]/",
    "http://[fd00:ec2::254]/",
    "http://[fe80::1]/",
    "http://[64:ff9b::a9fe:a9fe]/",
    "http://[2002:7f00:1::1]/",
    "http://2130706433/",
    "http://0x7f000001/",
    "http://0177.0.0.1/",
    "http://127.1/",
    "http://user@127.0.0.1/",
    "http://user:pass@example.com/",
    "http://localhost/",
    "http://metadata/computeMetadata/v1/",
    "file:///etc/passwd",
    "gopher://127.0.0.1:70/_stats",
    "ftp://127.0.0.1/",
    "dict://127.0.0.1:11211/stat",
    "http://public.example:8080/",
    "https://public.example:22/",
    "http://internal.example/",  # resolves to 127.0.0.1
    "http://mixed.example/",  # resolves to a public AND a private address
    "http://meta.example/",  # resolves to the cloud metadata address
    "not a url",
    "http:///nohost",
]


@pytest.fixture(scope="module")
def canary():
    server = StubServer(routes={"*": lambda h: reply(h, 200, b"canary")}).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def public_stub():
    def redirect(handler):
        reply(handler, 302, b"", {"Location": query(handler)["to"]})

    def hops(handler):
        left = int(query(handler).get("left", "0"))
        if left:
            reply(handler, 302, b"", {"Location": f"/hops?left={left - 1}"})
        else:
            reply(handler, 200, b"arrived")

    def host_echo(handler):
        reply(handler, 200, handler.headers.get("Host", "").encode())

    def big(handler):
        # 50 MB announced honestly, or (no length) streamed until the client stops reading.
        size = 50 * 1024 * 1024
        handler.send_response(200)
        if query(handler).get("declared"):
            handler.send_header("Content-Length", str(size))
        handler.end_headers()
        chunk = b"y" * 65536
        for _ in range(size // len(chunk)):
            handler.wfile.write(chunk)

    server = StubServer(
        routes={
            "/ok": lambda h: reply(h, 200, b"public page"),
            "/redirect": redirect,
            "/hops": hops,
            "/host": host_echo,
            "/big": big,
            "/endless": stream_forever,
        }
    ).start()
    yield server
    server.stop()


@pytest.fixture
def network(monkeypatch, settings, canary, public_stub):
    """DNS answers and TCP routing for the test; records every lookup and dial."""
    settings.OUTBOUND_ALLOW_CIDRS = []
    canary.connections = 0
    canary.requests.clear()
    lookups: list[str] = []
    dials: list[tuple[str, int]] = []
    answers = {
        "public.example": [PUBLIC_IP],
        "stub.example": [PUBLIC_IP],
        "internal.example": ["127.0.0.1"],
        "mixed.example": [PUBLIC_IP, "10.1.2.3"],
        "meta.example": ["169.254.169.254"],
        "v6.example": ["::1"],
    }
    rebinding = iter([[PUBLIC_IP], ["127.0.0.1"], ["127.0.0.1"]])

    def resolve(host, port):
        lookups.append(host)
        if host == "rebind.example":
            return next(rebinding)
        if host not in answers:
            raise OSError("NXDOMAIN")
        return list(answers[host])

    real_backend = httpcore.SyncBackend()

    def dial(ip, port, **options):
        dials.append((ip, port))
        target = public_stub.port if ip == PUBLIC_IP else canary.port
        return real_backend.connect_tcp("127.0.0.1", target, **options)

    monkeypatch.setattr(ssrf, "resolve", resolve)
    monkeypatch.setattr(ssrf, "dial", dial)
    return {"lookups": lookups, "dials": dials, "canary": canary, "stub": public_stub}


@pytest.mark.parametrize("url", BLOCKED_URLS)
def test_every_vector_is_refused_before_any_connection(network, url):
    with pytest.raises(UnsafeURL) as raised:
        outbound.fetch(url, service="test")
    assert raised.value.status_code == 400 and raised.value.code == "url_not_allowed"
    assert raised.value.details["reason"]
    assert network["dials"] == []
    assert network["canary"].connections == 0


@pytest.mark.parametrize("target", BLOCKED_URLS[:-2])
def test_a_public_page_redirecting_to_a_blocked_target_is_stopped(network, target):
    from urllib.parse import quote

    with pytest.raises(UnsafeURL):
        outbound.fetch(f"http://stub.example/redirect?to={quote(target, safe='')}", service="test")
    assert network["dials"] == [(PUBLIC_IP, 80)]  # the stub only; the redirect target never dialled
    assert network["canary"].connections == 0


def test_a_public_host_is_fetched_by_its_checked_address_with_its_name(network):
    answer = outbound.fetch("http://stub.example/host", service="test")
    assert answer.status_code == 200
    assert answer.content == b"stub.example"  # Host header keeps the name
    assert network["dials"] == [(PUBLIC_IP, 80)]  # …while the socket went to the checked IP
    assert network["lookups"] == ["stub.example"]


def test_dns_rebinding_gains_nothing_one_lookup_one_checked_address(network):
    answer = outbound.fetch("http://rebind.example/ok", service="test")
    assert answer.content == b"public page"
    assert network["lookups"] == ["rebind.example"]  # never a second lookup to rebind
    assert network["dials"] == [(PUBLIC_IP, 80)]
    # A fresh lookup that now answers loopback is refused, not followed.
    with pytest.raises(UnsafeURL):
        outbound.resolve_checked("rebind.example", 80)
    assert network["canary"].connections == 0


def test_redirects_are_followed_after_checking_at_most_three_hops(network):
    assert outbound.fetch("http://stub.example/hops?left=3", service="test").content == b"arrived"
    with pytest.raises(UnsafeURL) as raised:
        outbound.fetch("http://stub.example/hops?left=4", service="test")
    assert raised.value.reason == "too_many_redirects"


def test_tls_verifies_the_host_name_not_the_address(monkeypatch, network):
    server_names = []

    class RecordingStream:
        def start_tls(self, ssl_context, server_hostname=None, timeout=None):
            server_names.append(server_hostname)
            raise httpcore.ConnectError("handshake stopped by the test")

        def close(self):
            pass

    monkeypatch.setattr(
        ssrf, "dial", lambda ip, port, **options: network["dials"].append((ip, port)) or RecordingStream()
    )
    with pytest.raises(outbound.OutboundError):
        outbound.fetch("https://stub.example/ok", service="test", retry=outbound.NO_RETRY)
    assert network["dials"] == [(PUBLIC_IP, 443)]
    assert server_names == ["stub.example"]


def test_body_cap_stops_a_50_mb_answer(network):
    for variant in ("declared=1", "declared="):
        started = time.monotonic()
        with pytest.raises(ResponseTooLarge) as raised:
            outbound.fetch(f"http://stub.example/big?{variant}", service="test")
        assert raised.value.limit == 5 * 1024 * 1024
        assert time.monotonic() - started < 5


def test_total_time_limit_stops_a_never_ending_answer(network):
    started = time.monotonic()
    with pytest.raises(OutboundTimeout):
        outbound.fetch("http://stub.example/endless", service="test", total_timeout=1.0)
    elapsed = time.monotonic() - started
    assert 0.9 <= elapsed < 4.0  # the limit plus slack for a loaded CI machine; endless would never end


def test_allow_cidrs_exempts_local_test_servers_any_port(settings, canary, public_stub):
    with pytest.raises(UnsafeURL):
        outbound.fetch(f"{public_stub.url}/ok", service="test")
    settings.OUTBOUND_ALLOW_CIDRS = ["127.0.0.0/8"]
    assert outbound.fetch(f"{public_stub.url}/ok", service="test").content == b"public page"
    # Only the listed networks: a private address elsewhere is still refused.
    with pytest.raises(UnsafeURL):
        outbound.fetch("http://10.0.0.1/", service="test")


def test_without_patches_the_real_connect_path_refuses_loopback(settings, canary):
    settings.OUTBOUND_ALLOW_CIDRS = []
    canary.connections = 0
    for url in (f"http://127.0.0.1:{canary.port}/", f"http://localhost:{canary.port}/", "http://[::1]/"):
        with pytest.raises(UnsafeURL):
            outbound.fetch(url, service="test")
    assert canary.connections == 0


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("93.184.216.34", True),
        ("2606:4700::1111", True),
        ("127.0.0.1", False),
        ("10.255.0.1", False),
        ("100.127.255.254", False),
        ("169.254.0.1", False),
        ("192.0.0.8", False),
        ("198.18.0.1", False),
        ("239.255.255.250", False),
        ("240.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        ("::ffff:8.8.8.8", True),
        ("2002:0a00:0001::1", False),
        ("64:ff9b::808:808", False),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", False),  # Teredo
        ("fec0::1", False),
        ("ff02::1", False),
    ],
)
def test_public_address_table(address, public):
    import ipaddress

    assert outbound.is_public_address(ipaddress.ip_address(address)) is public


def test_resolve_checked_for_non_http_clients(network):
    assert outbound.resolve_checked("public.example", 443) == [PUBLIC_IP]
    for host, port, reason in [
        ("internal.example", 25, "private_address"),
        ("public.example", 25, "port"),
        ("nowhere.example", 443, "unresolvable"),
        ("127.1", 443, "numeric_host"),
    ]:
        with pytest.raises(UnsafeURL) as raised:
            outbound.resolve_checked(host, port)
        assert raised.value.reason == reason
