"""A local stand-in for Meta (Login dialog + Graph), Shopify (install screen +
Admin API) and the API-key providers (OpenAI, ElevenLabs, D-ID, CJ), for
connecting integrations by hand on a machine without internet: the tests'
doubles (complete documented payloads) behind one HTTP server, plus the two
consent screens the providers show in the browser.

    .venv/bin/python -m integrations.tests.standin --port 8299 [--shopify-expires-in 3600]

and serve the app with (the stand-in prints this line too):

    META_APP_ID=1234567890 META_APP_SECRET=standin-meta-secret \\
    META_GRAPH_URL=http://127.0.0.1:8299/v21.0 META_OAUTH_DIALOG_URL=http://127.0.0.1:8299/v21.0/dialog/oauth \\
    SHOPIFY_API_KEY=standin-shopify-key SHOPIFY_API_SECRET=standin-shopify-secret \\
    SHOPIFY_URL_TEMPLATE=http://127.0.0.1:8299/{shop} OPENAI_BASE_URL=http://127.0.0.1:8299/v1 …

Ad campaigns: the Marketing API edges (campaign → ad set → creative → ad, targeting search with
"Yoga"/"Running" and Spanish, asynchronous insights report runs with rows for every ad created, leads,
Page posts) answer like the campaigns' Graph double; `GET /standin/leadgen?page_id=200001&ad_id=<id>`
makes a lead at Graph and delivers the signed `leadgen` webhook to the app's `/webhooks/facebook/`;
`GET /standin/created` shows what the campaign, ad set, creative and ad edges received.

Valid keys: OpenAI `sk-standin-valid-key-0123456789`, ElevenLabs `sk_standin_eleven_0123456789`,
D-ID `c3RhbmRpbjpkaWQ=`, CJ `CJ-standin-key-0123456789`; anything else is refused with the provider's
own error. `--shopify-expires-in` shortens Shopify's hour-long token (e.g. 905 s makes it due for the
beat's 15-minutes-ahead refresh within minutes; 600 s: at the next tick)."""

from __future__ import annotations

import argparse
import html
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

META_APP_ID, META_APP_SECRET = "1234567890", "standin-meta-secret"
SHOPIFY_KEY, SHOPIFY_SECRET = "standin-shopify-key", "standin-shopify-secret"
OPENAI_KEY = "sk-standin-valid-key-0123456789"
ELEVENLABS_KEY = "sk_standin_eleven_0123456789"
DID_KEY = "c3RhbmRpbjpkaWQ="
CJ_KEY = "CJ-standin-key-0123456789"

CONSENT = """<!doctype html><html><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;max-width:32rem;margin:4rem auto}}a{{display:inline-block;margin:.5rem;
padding:.6rem 1rem;border:1px solid #333;border-radius:.4rem;text-decoration:none}}</style></head><body>
<h1>{title}</h1><p>{text}</p><a id="allow" href="{allow}">{allow_label}</a><a id="deny" href="{deny}">Cancel</a>
<p><small>Local stand-in (integrations/tests/standin.py), not the real provider.</small></p></body></html>"""


def _with_query(url: str, params: dict[str, str]) -> str:
    return f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"


def build(site_url: str, shopify_expires_in: int):
    """The doubles behind the server, wired for `site_url` (the app's SITE_URL)."""
    from integrations.tests import doubles as d
    from integrations.tests import oauth_doubles as od

    meta = od.MetaDouble(
        app_id=META_APP_ID, app_secret=META_APP_SECRET, redirect_uri=f"{site_url}/integrations/callback/meta/"
    )
    shops: dict[str, od.ShopifyDouble] = {}

    def shop_double(shop: str) -> od.ShopifyDouble:
        if shop not in shops:
            double = od.ShopifyDouble(shop=shop, api_key=SHOPIFY_KEY, api_secret=SHOPIFY_SECRET)
            issue = double._issue

            def shorter():  # the same payload with a shorter lifetime, to see the beat refresh it
                answer = issue()
                payload = answer.json() | {"expires_in": shopify_expires_in}
                return httpx.Response(200, json=payload)

            double._issue = shorter
            shops[shop] = double
        return shops[shop]

    keys = d.ProviderDouble()
    keys.on("GET", "/v1/models", d.openai_models({OPENAI_KEY}))
    keys.on("GET", "/v1/voices", d.elevenlabs_voices({ELEVENLABS_KEY}))
    keys.on("GET", "/credits", d.did_credits({DID_KEY}))
    cj = d.CJDouble({CJ_KEY})
    return meta, shop_double, keys, cj, campaign_graph()


# --- Ad campaigns (issue 11): Graph's Marketing API edges and a signed leadgen webhook --------------


def campaign_graph():
    """The campaigns' Graph double (creates, targeting search, report runs, leads, Page posts) for
    the Graph paths the Login double does not serve; its report runs hold plausible rows for every
    ad it created, day by day, so a launched campaign shows figures."""
    import json
    import time
    from datetime import date, timedelta

    from campaigns.tests import graph_double as g

    class CampaignGraph(g.Graph):
        def __init__(self):
            super().__init__()
            self.ad_ids: list[tuple[str, date]] = []
            # Unique across restarts: the app deduplicates leads by id, so a reused id would change nothing.
            start = 444_000_000_000 + int(time.time()) % 1_000_000 * 1000
            self.lead_numbers = iter(range(start + 1, start + 1000))

        def _create(self, request, path):
            answer = super()._create(request, path)
            if path.endswith("/ads"):
                self.ad_ids.append((answer.json()["id"], date.today()))
            return answer

        def _report_start(self, request, path):
            """Rows only from the day each ad was created (Meta reports delivery, not the past),
            about 4.50 per ad and day, ads with different click-through rates for the A/B panel."""
            span = json.loads(self.form(request).get("time_range") or "{}")
            first = date.fromisoformat(span.get("since") or date.today().isoformat())
            last = min(date.fromisoformat(span.get("until") or date.today().isoformat()), date.today())
            rows = []
            for n, (ad_id, created) in enumerate(self.ad_ids):
                day = max(first, created)
                while day <= last:
                    impressions = 1800 + 150 * n + 37 * day.day
                    clicks = impressions * (14 + 6 * n) // 1000
                    rows.append(g.insight(ad_id, day.isoformat(), impressions=impressions, clicks=clicks,
                                          spend=f"{impressions * 0.0025:.2f}", purchases=clicks // 12,
                                          value=f"{(clicks // 12) * 39.9:.2f}"))  # fmt: skip
                    day += timedelta(days=1)
            self.insight_rows = sorted(rows, key=lambda row: (row["date_start"], row["ad_id"]))
            return super()._report_start(request, path)

        def add_lead(self, *, ad_id: str, form_id: str) -> str:
            leadgen_id = str(next(self.lead_numbers))
            self.leads[leadgen_id] = {
                "id": leadgen_id, "created_time": "2026-12-07T10:00:00+0000", "ad_id": ad_id, "form_id": form_id,
                "field_data": [{"name": "full_name", "values": ["Lucía Pérez"]},
                               {"name": "email", "values": [f"lucia.{leadgen_id}@example.es"]},
                               {"name": "phone_number", "values": [f"+34612{leadgen_id[-6:]}"]}],
            }  # fmt: skip
            return leadgen_id

    return CampaignGraph()


def send_leadgen(graph, *, site_url: str, page_id: str, ad_id: str, form_id: str = "777888999") -> dict:
    """Meta's side of a lead ad: the lead exists at Graph, and a `leadgen` change is delivered to the
    app's `/webhooks/facebook/`, signed `X-Hub-Signature-256` with the app secret over the raw body."""
    import hashlib
    import hmac
    import json
    import time

    leadgen_id = graph.add_lead(ad_id=ad_id, form_id=form_id)
    now = int(time.time())
    change = {"ad_id": ad_id, "adgroup_id": ad_id, "form_id": form_id, "leadgen_id": leadgen_id,
              "created_time": now, "page_id": page_id}  # fmt: skip
    body = json.dumps(
        {"object": "page", "entry": [{"id": page_id, "time": now, "changes": [{"field": "leadgen", "value": change}]}]}
    ).encode()
    signature = "sha256=" + hmac.new(META_APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    answer = httpx.post(
        f"{site_url}/webhooks/facebook/",
        content=body,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature},
        timeout=10,
    )
    return {"leadgen_id": leadgen_id, "delivered": answer.status_code, "answer": answer.text[:200]}


def make_server(
    *, port: int, site_url: str, shopify_expires_in: int = 3600, verbose: bool = True
) -> ThreadingHTTPServer:
    """The stand-in on 127.0.0.1:`port` (0: any free port), for an app served at `site_url`."""
    site_url = site_url.rstrip("/")
    meta, shop_double, keys, cj, campaigns = build(site_url, shopify_expires_in)

    class Handler(BaseHTTPRequestHandler):
        def _send(self, response: httpx.Response) -> None:
            self.send_response(response.status_code)
            for name, value in response.headers.items():
                if name.lower() not in ("content-length", "transfer-encoding", "connection", "content-encoding"):
                    self.send_header(name, value)
            content = response.content
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        def _page(self, title: str, text: str, allow: str, allow_label: str, deny: str) -> None:
            page = CONSENT.format(
                title=html.escape(title),
                text=html.escape(text),
                allow=html.escape(allow),
                allow_label=html.escape(allow_label),
                deny=html.escape(deny),
            )
            self._send(httpx.Response(200, html=page))

        def _consent(self, parts, query: dict[str, str]) -> bool:
            if parts.path.endswith("/dialog/oauth"):  # Meta's Login dialog
                redirect, state = query.get("redirect_uri", ""), query.get("state", "")
                self._page(
                    "Facebook Login",
                    f"NexusOne (app {query.get('client_id')}) asks for: {query.get('scope', '')}.",
                    _with_query(redirect, {"code": meta.issue_code(), "state": state}),
                    "Continue as Dana Cohen",
                    _with_query(
                        redirect,
                        {
                            "error": "access_denied",
                            "error_code": "200",
                            "error_description": "Permissions error",
                            "error_reason": "user_denied",
                            "state": state,
                        },
                    ),
                )
                return True
            if parts.path.endswith("/admin/oauth/authorize"):  # Shopify's install screen
                shop = parts.path.strip("/").split("/", 1)[0]
                double = shop_double(shop)
                redirect, state = query.get("redirect_uri", ""), query.get("state", "")
                self._page(
                    f"Install NexusOne on {shop}",
                    f"NexusOne asks for: {query.get('scope', '')}.",
                    _with_query(redirect, double.callback_query(state=state)),
                    "Install app",
                    _with_query(redirect, {"error": "access_denied", "shop": shop, "state": state}),
                )
                return True
            return False

        def _serve(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            content = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            if self.command == "GET" and self._consent(parts, query):
                return
            if parts.path == "/standin/created":  # what the Marketing API edges received (tokens left out)
                hidden = {"access_token", "appsecret_proof"}
                created = {
                    edge: [{k: v for k, v in fields.items() if k not in hidden} for fields in rows]
                    for edge, rows in campaigns.created.items()
                }
                self._send(httpx.Response(200, json={"created": created, "status_updates": campaigns.status_updates}))
                return
            if parts.path == "/standin/leadgen":  # ?page_id=&ad_id=[&form_id=]: Meta delivers a new lead
                missing = [key for key in ("page_id", "ad_id") if not query.get(key)]
                if missing:
                    self._send(httpx.Response(400, json={"error": f"give {', '.join(missing)}"}))
                    return
                fields = {key: query[key] for key in ("page_id", "ad_id", "form_id") if query.get(key)}
                self._send(httpx.Response(200, json=send_leadgen(campaigns, site_url=site_url, **fields)))
                return
            first = parts.path.strip("/").split("/", 1)[0]
            headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
            if first.endswith(".myshopify.com"):  # SHOPIFY_URL_TEMPLATE=http://…/{shop}
                url = f"https://{first}{parts.path.removeprefix('/' + first)}"
                double = shop_double(first)
            elif parts.path.startswith("/v21.0/"):
                url, double = f"https://graph.facebook.com{parts.path}", meta
                # The Marketing API edges the Login double does not serve (campaigns, ad sets,
                # creatives, ads, report runs, targeting search, leads, Page posts).
                if (self.command, parts.path) not in {(m, p) for m, p in meta.routes}:
                    double = campaigns
            elif parts.path.startswith("/api2.0/"):
                url, double = f"https://developers.cjdropshipping.com{parts.path}", cj
            else:
                url, double = f"https://provider.standin{parts.path}", keys
            if parts.query:
                url += "?" + parts.query
            response = double(httpx.Request(self.command, url, headers=headers, content=content))
            if verbose:
                print(f"{self.command} {self.path.split('?')[0]} → {response.status_code}", flush=True)
            self._send(response)

        do_GET = do_POST = do_DELETE = do_PUT = _serve

        def log_message(self, *args) -> None:  # one line per call is printed by _serve
            return

    return ThreadingHTTPServer(("127.0.0.1", port), Handler)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8299)
    parser.add_argument("--site-url", default="http://127.0.0.1:8000")
    parser.add_argument("--shopify-expires-in", type=int, default=3600)
    options = parser.parse_args()

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nexusone.settings")
    django.setup()
    server = make_server(port=options.port, site_url=options.site_url, shopify_expires_in=options.shopify_expires_in)
    base = f"http://127.0.0.1:{options.port}"
    print(
        "stand-in on",
        base,
        "— serve the app with:\n"
        f"META_APP_ID={META_APP_ID} META_APP_SECRET={META_APP_SECRET} META_GRAPH_URL={base}/v21.0 "
        f"META_OAUTH_DIALOG_URL={base}/v21.0/dialog/oauth SHOPIFY_API_KEY={SHOPIFY_KEY} "
        f"SHOPIFY_API_SECRET={SHOPIFY_SECRET} SHOPIFY_URL_TEMPLATE={base}/{{shop}} OPENAI_BASE_URL={base}/v1 "
        f"ELEVENLABS_BASE_URL={base} DID_BASE_URL={base} CJ_BASE_URL={base}/api2.0/v1",
        flush=True,
    )
    server.serve_forever()


if __name__ == "__main__":
    main()
