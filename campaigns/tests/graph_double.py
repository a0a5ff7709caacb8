"""A local double of Meta's Graph API for the campaigns module, answering with
the documented payloads (PROVIDERS.md §1 and its addendum): creates answer
`{"id"}`, writes are form posts with JSON-encoded complex fields, insights
are strings with `actions` lists and cursor paging, errors carry `code`,
`error_subcode`, `error_user_msg`, `fbtrace_id`, throttling answers carry
`X-Business-Use-Case-Usage`; insights are asynchronous report runs
(`{"report_run_id"}`, an AdReportRun walking "Job Not Started" → "Job
Running" → "Job Completed", then its rows under `/{report_run_id}/insights`).
Installed on the outbound door."""

from __future__ import annotations

import contextlib
import itertools
import json
import re
from collections.abc import Callable
from urllib.parse import parse_qs

import httpx

from nexusone import outbound

GRAPH = "/v21.0"
ACCOUNT = "act_1234567890"
PAGE = "1122334455"
PAGE_TOKEN = "EAAPageToken123"
USER_TOKEN = "EAAUserToken-long-lived-0001"
INTERESTS = {
    "yoga": {"id": "6003139266461", "name": "Yoga"},
    "running": {"id": "6003397425735", "name": "Running"},
}
LOCALES = {"spanish": [{"key": 23, "name": "Spanish (All)"}, {"key": 7, "name": "Spanish (Spain)"}]}


def error(message: str, code: int, subcode: int | None = None, user_msg: str | None = None, **extra) -> dict:
    body = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AbC123xYz", **extra}
    if subcode is not None:
        body["error_subcode"] = subcode
    if user_msg is not None:
        body["error_user_title"] = "Error"
        body["error_user_msg"] = user_msg
    body.setdefault("is_transient", False)
    return {"error": body}


def usage_header(account: str = "1234567890", minutes: int = 5, kind: str = "ads_management") -> dict:
    value = {account: [{"type": kind, "call_count": 100, "total_cputime": 30, "total_time": 40,
                        "estimated_time_to_regain_access": minutes}]}  # fmt: skip
    return {"X-Business-Use-Case-Usage": json.dumps(value)}


class Graph:
    """Routes by (method, edge kind). `fail(kind, response, times=1)` makes the
    next `times` calls of that kind answer `response` (an httpx.Response)."""

    def __init__(self):
        self.requests: list[httpx.Request] = []
        self.created: dict[str, list[dict]] = {
            "campaigns": [],
            "adsets": [],
            "adcreatives": [],
            "ads": [],
            "adimages": [],
        }
        self.status_updates: list[tuple[str, str]] = []
        self.failures: dict[str, list[httpx.Response]] = {}
        self.ids = itertools.count(120210000000000001)
        self.insight_rows: list[dict] = []
        self.ad_rows: list[dict] = []
        self.leads: dict[str, dict] = {}
        self.posts: list[tuple[str, dict]] = []
        # Asynchronous insights: each report run walks `report_script` (one status per poll).
        self.reports: dict[str, dict] = {}
        self.report_script: list[str] = ["Job Not Started", "Job Running", "Job Completed"]
        self.report_failure: dict = {}

    def fail(self, kind: str, response: httpx.Response, times: int = 1) -> None:
        self.failures.setdefault(kind, []).extend([response] * times)

    def form(self, request: httpx.Request) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}

    def query(self, request: httpx.Request) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(request.url.query.decode()).items()}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path.removeprefix(GRAPH)
        kind, handler = self._route(request.method, path)
        queued = self.failures.get(kind)
        if queued:
            return queued.pop(0)
        if handler is None:
            return httpx.Response(400, json=error(f"Unsupported {request.method} request. {path}", 100, 33))
        return handler(request, path)

    def _route(self, method: str, path: str) -> tuple[str, Callable | None]:
        if method == "POST" and (m := re.fullmatch(r"/act_\d+/(campaigns|adsets|adcreatives|ads|adimages)", path)):
            return m.group(1), self._create
        if method == "GET" and path == "/search":
            return "search", self._search
        if method == "GET" and path == "/me/accounts":
            return "accounts", self._accounts
        if method == "POST" and re.fullmatch(r"/act_\d+/insights", path):
            return "report_start", self._report_start
        if method == "GET" and path.strip("/") in self.reports:
            return "report_status", self._report_status
        if method == "GET" and re.fullmatch(r"/\d+/insights", path):
            return "insights", self._insights
        if method == "GET" and re.fullmatch(r"/\d+/ads", path):
            return "ads_list", self._ads
        if method == "POST" and (m := re.fullmatch(r"/(\d+)/(feed|photos|media|media_publish)", path)):
            return m.group(2), self._post
        if method == "POST" and re.fullmatch(r"/\d+", path):
            return "status", self._status
        if method == "GET" and re.fullmatch(r"/\d+", path):
            return "lead", self._lead
        return "unknown", None

    def _create(self, request, path):
        edge = path.rsplit("/", 1)[1]
        fields = self.form(request)
        self.created[edge].append(fields)
        if edge == "adimages":
            image = {"hash": "0a1b2c3d4e5f60718293a4b5c6d7e8f9", "url": "https://scontent.example/img.png"}
            return httpx.Response(200, json={"images": {"bytes": image}})
        return httpx.Response(200, json={"id": str(next(self.ids))})

    def _search(self, request, path):
        query = self.query(request)
        q = query.get("q", "").lower()
        if query.get("type") == "adinterest":
            match = INTERESTS.get(q)
            data = (
                [{**match, "audience_size_lower_bound": 200000000, "audience_size_upper_bound": 235000000,
                  "path": ["Interests", "Fitness and wellness", match["name"]], "description": None,
                  "topic": "Fitness and wellness"}] if match else []
            )  # fmt: skip
            return httpx.Response(200, json={"data": data})
        if query.get("type") == "adlocale":
            return httpx.Response(200, json={"data": LOCALES.get(q, [])})
        return httpx.Response(400, json=error("(#100) Invalid type", 100))

    def _accounts(self, request, path):
        return httpx.Response(
            200,
            json={"data": [{"id": PAGE, "name": "Tienda", "access_token": PAGE_TOKEN, "category": "Shopping & retail",
                            "tasks": ["ADVERTISE", "ANALYZE", "CREATE_CONTENT", "MANAGE"]}],
                  "paging": {"cursors": {"before": "QVFIUk", "after": "QVFIUl"}}},
        )  # fmt: skip

    def _insights(self, request, path):
        query = self.query(request)
        size = 2
        start = int(query.get("after", "0") or 0)
        rows = self.insight_rows[start : start + size]
        paging: dict = {"cursors": {"before": str(start), "after": str(start + size)}}
        if start + size < len(self.insight_rows):
            paging["next"] = f"https://graph.facebook.com{GRAPH}{path}?after={start + size}"
        return httpx.Response(200, json={"data": rows, "paging": paging})

    def _report_start(self, request, path):
        """`POST /act_{id}/insights` → `{"report_run_id"}` (AdAccount.get_insights_async)."""
        run_id = str(next(self.ids))
        fields = self.form(request)
        time_range = json.loads(fields.get("time_range", "{}"))
        self.reports[run_id] = {
            "params": fields,
            "script": list(self.report_script),
            "polls": 0,
            "account_id": path.split("/")[1].removeprefix("act_"),
            "time_range": time_range,
        }
        return httpx.Response(200, json={"report_run_id": run_id})

    def _report_status(self, request, path):
        """`GET /{report_run_id}`: the AdReportRun with its default fields (SDK adreportrun.py;
        the `error_*` fields as v25 fills them when a run fails)."""
        run_id = path.strip("/")
        report = self.reports[run_id]
        report["polls"] += 1
        script = report["script"]
        status = script.pop(0) if len(script) > 1 else script[0]
        percent = {"Job Not Started": 0, "Job Started": 0, "Job Running": 45, "Job Completed": 100}.get(status, 0)
        body = {
            "id": run_id,
            "account_id": report["account_id"],
            "time_ref": 1796000000,
            "time_completed": 1796000042 if status == "Job Completed" else 0,
            "async_status": status,
            "async_percent_completion": percent,
            "date_start": report["time_range"].get("since", ""),
            "date_stop": report["time_range"].get("until", ""),
            "is_running": status in ("Job Started", "Job Running"),
        }
        if status == "Job Failed":
            body.update(
                self.report_failure
                or {
                    "error_code": -2,
                    "error_message": "Report Failed",
                    "error_subcode": 2490547,
                    "error_user_title": "Report Failed",
                    "error_user_msg": "The report could not be generated. Please try a smaller date range.",
                }
            )
        return httpx.Response(200, json=body)

    def _ads(self, request, path):
        return httpx.Response(200, json={"data": self.ad_rows, "paging": {"cursors": {"before": "a", "after": "b"}}})

    def _status(self, request, path):
        self.status_updates.append((path.strip("/"), self.form(request).get("status", "")))
        return httpx.Response(200, json={"success": True})

    def _lead(self, request, path):
        lead = self.leads.get(path.strip("/"))
        if lead is None:
            return httpx.Response(400, json=error("Unsupported get request.", 100, 33))
        return httpx.Response(200, json=lead)

    def _post(self, request, path):
        edge = path.rsplit("/", 1)[1]
        self.posts.append((edge, self.form(request)))
        new = str(next(self.ids))
        if edge in ("feed", "photos"):
            return httpx.Response(
                200, json={"id": new, "post_id": f"{PAGE}_{new}"} if edge == "photos" else {"id": f"{PAGE}_{new}"}
            )
        return httpx.Response(200, json={"id": new})

    def calls(self, kind_path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path.endswith(kind_path)]

    @contextlib.contextmanager
    def installed(self):
        with outbound.use_transport(httpx.MockTransport(self)):
            yield self


def insight(ad_id: str, day: str, *, impressions: int, clicks: int, spend: str, purchases: int = 0,
            value: str = "0", leads: int = 0) -> dict:  # fmt: skip
    """One row of `/insights?level=ad&time_increment=1` as Meta sends it (strings, lists)."""
    actions = [
        {"action_type": "link_click", "value": str(clicks)},
        {"action_type": "page_engagement", "value": str(clicks + 3)},
    ]
    values = []
    if purchases:
        actions += [{"action_type": "omni_purchase", "value": str(purchases)},
                    {"action_type": "purchase", "value": str(purchases)},
                    {"action_type": "offsite_conversion.fb_pixel_purchase", "value": str(purchases)}]  # fmt: skip
        values += [{"action_type": "omni_purchase", "value": value}, {"action_type": "purchase", "value": value}]
    if leads:
        actions += [{"action_type": "lead", "value": str(leads)},
                    {"action_type": "onsite_conversion.lead_grouped", "value": str(leads)}]  # fmt: skip
    return {
        "ad_id": ad_id,
        "campaign_id": "120210000000000001",
        "adset_id": "120210000000000002",
        "impressions": str(impressions),
        "reach": str(int(impressions / 1.25)),
        "frequency": "1.250000",
        "clicks": str(clicks),
        "ctr": f"{clicks / impressions * 100:.6f}" if impressions else "0",
        "cpc": f"{float(spend) / clicks:.6f}" if clicks else "0",
        "cpm": f"{float(spend) / impressions * 1000:.6f}" if impressions else "0",
        "spend": spend,
        "actions": actions,
        "action_values": values,
        "account_currency": "EUR",
        "date_start": day,
        "date_stop": day,
    }
