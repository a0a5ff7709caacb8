"""Meta Marketing API (Graph) behind the ads-provider interface.

Wire (PROVIDERS.md §1 and the addendum; facebook-python-business-sdk):
- base URL `META_GRAPH_URL` (…/v21.0; a local stand-in works), every call
  with `access_token` + `appsecret_proof` through the outbound door;
- writes are form posts whose complex values (targeting, object_story_spec,
  special_ad_categories, creative, promoted_object) are JSON-encoded strings,
  as the SDK sends them; each create answers `{"id": …}`;
- objectives are ODAX (`REACH → OUTCOME_AWARENESS`, …); budgets and bids are
  integers in the account currency's minor units;
- since v23 an ad set must say whether Advantage+ audience may widen it
  (`targeting_automation.advantage_audience`): we send 0, because the user
  chose ages, genders and languages and expects them kept;
- insights come from an asynchronous report run: `POST /act_{id}/insights`
  (level=ad, daily, filtered to the campaign) → `{"report_run_id"}`, poll
  `GET /{report_run_id}` until `async_status` is "Job Completed" with
  `async_percent_completion` 100 ("Job Failed" / "Job Skipped" end it), then
  `GET /{report_run_id}/insights` with cursor paging; values are strings
  (`"1234"`, `"12.34"`) parsed with `Decimal`; conversions come from
  `actions` / `action_values` lists;
- errors are `{"error": {message, type, code, error_subcode, error_user_msg,
  fbtrace_id}}`: 190 → the connection is expired; 4/17/32/613/80000–80014 →
  back off for `estimated_time_to_regain_access` from
  `X-Business-Use-Case-Usage` (the door's `meta_usage_wait` hint sleeps short
  waits and hands long ones back); anything else → the user's message.
"""

from __future__ import annotations

import base64
import json
import logging
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.conf.locale import LANG_INFO
from django.utils.translation import gettext as _

from campaigns import currencies
from campaigns.providers.base import (
    AdsAuthExpired,
    AdsError,
    AdStatus,
    AdsThrottled,
    InsightRow,
    Published,
    ReportStatus,
)
from integrations.providers.meta import appsecret_proof
from nexusone import outbound
from nexusone.outbound.retry import META_THROTTLE_CODES

logger = logging.getLogger(__name__)

PROVIDER = "meta"
TOKEN_INVALID = 190
MAX_PAGES = 50
# Our objective → (ODAX objective, optimization goal, billing event)
OBJECTIVES = {
    "REACH": ("OUTCOME_AWARENESS", "REACH", "IMPRESSIONS"),
    "TRAFFIC": ("OUTCOME_TRAFFIC", "LINK_CLICKS", "IMPRESSIONS"),
    "CONVERSIONS": ("OUTCOME_SALES", "OFFSITE_CONVERSIONS", "IMPRESSIONS"),
    "LEAD_GENERATION": ("OUTCOME_LEADS", "LEAD_GENERATION", "IMPRESSIONS"),
}
GENDERS = {"male": 1, "female": 2}
# AdReportRun.async_status values (with spaces, as Meta spells them)
ASYNC_COMPLETED, ASYNC_FAILED, ASYNC_SKIPPED = "Job Completed", "Job Failed", "Job Skipped"
INSIGHT_FIELDS = "ad_id,date_start,date_stop,impressions,reach,frequency,clicks,spend,actions,action_values"
# The first action type present in each family counts (omni_purchase already includes the others).
PURCHASE_ACTIONS = ("omni_purchase", "purchase", "offsite_conversion.fb_pixel_purchase")
LEAD_ACTIONS = ("lead", "onsite_conversion.lead_grouped", "offsite_conversion.fb_pixel_lead")


def _decimal(value: Any) -> Decimal:
    try:
        result = Decimal(str(value if value not in (None, "") else "0"))
    except InvalidOperation:
        return Decimal(0)
    return result if result.is_finite() else Decimal(0)


def _integer(value: Any) -> int:
    return int(_decimal(value))


def _pick(stats: Any, families: tuple[tuple[str, ...], ...]) -> Decimal:
    """Sum over families of the first action type present in each."""
    values = {
        str(item.get("action_type")): _decimal(item.get("value"))
        for item in stats or ()
        if isinstance(item, dict) and item.get("action_type")
    }
    total = Decimal(0)
    for family in families:
        for action_type in family:
            if action_type in values:
                total += values[action_type]
                break
    return total


def parse_insight(row: dict) -> InsightRow | None:
    """One row of `/insights?level=ad&time_increment=1` → numbers."""
    try:
        day = date.fromisoformat(str(row.get("date_start")))
    except ValueError:
        return None
    if not row.get("ad_id"):
        return None
    return InsightRow(
        ad_id=str(row["ad_id"]),
        date=day,
        impressions=_integer(row.get("impressions")),
        reach=_integer(row.get("reach")),
        clicks=_integer(row.get("clicks")),
        spend=_decimal(row.get("spend")).quantize(Decimal("0.01")),
        frequency=_decimal(row.get("frequency")).quantize(Decimal("0.0001")),
        conversions=int(_pick(row.get("actions"), (PURCHASE_ACTIONS, LEAD_ACTIONS))),
        conversion_value=_pick(row.get("action_values"), (PURCHASE_ACTIONS,)).quantize(Decimal("0.01")),
    )


def usage_wait(headers) -> float:
    """Seconds until the busiest business use case regains access (0 if none)."""
    raw = headers.get("x-business-use-case-usage")
    if not raw:
        return 0.0
    try:
        parsed = json.loads(raw)
        minutes = max(
            (
                float(entry.get("estimated_time_to_regain_access") or 0)
                for entries in parsed.values()
                for entry in entries
                if isinstance(entry, dict)
            ),
            default=0.0,
        )
    except (ValueError, TypeError, AttributeError):
        return 0.0
    return minutes * 60.0


class MetaAds:
    """One workspace's ad account and Page, with the connection's user token."""

    name = PROVIDER
    offline = False

    def __init__(self, *, workspace, token: str, ad_account_id: str, page_id: str, currency: str, settings_: dict):
        self.workspace = workspace
        self.token = token
        self.account = ad_account_id if ad_account_id.startswith("act_") else f"act_{ad_account_id}"
        self.page_id = page_id
        self.currency = currency
        self.settings = settings_
        self.graph = outbound.ProviderClient(
            service=PROVIDER, base_url=settings.META_GRAPH_URL, hints=(outbound.meta_usage_wait,)
        )

    # --- the wire ------------------------------------------------------------------------

    def _auth(self, token: str | None = None) -> dict[str, str]:
        token = token or self.token
        return {"access_token": token, "appsecret_proof": appsecret_proof(token)}

    def _fail(self, answer) -> None:
        try:
            body = answer.json()
        except ValueError:
            body = {}
        error = body.get("error") if isinstance(body, dict) else None
        error = error if isinstance(error, dict) else {}
        code, subcode = error.get("code"), error.get("error_subcode")
        message = str(error.get("error_user_msg") or error.get("message") or f"HTTP {answer.status_code}")[:900]
        logger.info(
            "meta: error code=%s subcode=%s fbtrace_id=%s status=%s",
            code,
            subcode,
            error.get("fbtrace_id"),
            answer.status_code,
        )
        if code == TOKEN_INVALID or answer.status_code == 401:
            from integrations.services import connection_report_rejected

            connection_report_rejected(workspace=self.workspace, provider=PROVIDER, reason=message[:300])
            raise AdsAuthExpired(
                _("Meta refused the connection's token. An admin must reconnect Meta in Integrations."),
                provider_code=code,
                subcode=subcode,
            )
        if code in META_THROTTLE_CODES or answer.status_code == 429:
            wait = answer.retry_after or usage_wait(answer.headers) or 60.0
            raise AdsThrottled(
                _("Meta is limiting calls for this ad account; we will retry in %(minutes)d minutes.")
                % {"minutes": max(1, round(wait / 60))},
                retry_after=wait,
                provider_code=code,
                subcode=subcode,
            )
        raise AdsError(
            _("Meta refused the request: %(message)s") % {"message": message}, provider_code=code, subcode=subcode
        )

    def _body(self, answer) -> dict:
        if not answer.is_success:
            self._fail(answer)
        try:
            body = answer.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise AdsError(_("Meta answered with something we could not read."))
        return body

    def get(self, path: str, params: dict | None = None, token: str | None = None) -> dict:
        token = token or self.token
        return self._body(self.graph.get(path, params={**(params or {}), **self._auth(token)}, secrets=[token]))

    def post(self, path: str, fields: dict[str, Any], token: str | None = None) -> dict:
        """A form post; lists and objects JSON-encoded like the SDK does."""
        token = token or self.token
        data = {
            key: json.dumps(value, separators=(",", ":")) if isinstance(value, dict | list) else str(value)
            for key, value in fields.items()
            if value is not None
        }
        return self._body(self.graph.post(path, data={**data, **self._auth(token)}, secrets=[token]))

    def create(self, edge: str, fields: dict[str, Any]) -> str:
        body = self.post(f"/{self.account}/{edge}", fields)
        if not body.get("id"):
            raise AdsError(_("Meta answered without an id."))
        return str(body["id"])

    def pages(self, path: str, params: dict) -> list[dict]:
        """Every row of a cursor-paged edge (stops when `paging.next` is absent)."""
        rows: list[dict] = []
        body = self.get(path, params)
        for _page in range(MAX_PAGES):
            rows.extend(item for item in body.get("data") or [] if isinstance(item, dict))
            paging = body.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after")
            if not paging.get("next") or not after:
                break
            body = self.get(path, {**params, "after": after})
        return rows

    def tracking(self, campaign, key: str) -> str:
        """`pixel_id` / `lead_form_id`: the campaign's own, else the connection's settings."""
        own = (campaign.ad_creative or {}).get(key) if isinstance(campaign.ad_creative, dict) else None
        return str(own or self.settings.get(key) or "")

    # --- targeting -----------------------------------------------------------------------

    def resolve_interests(self, names: list[str]) -> tuple[list[dict], list[str]]:
        found, missing = [], []
        for name in names:
            rows = self.get("/search", {"type": "adinterest", "q": name, "limit": 5}).get("data") or []
            rows = [row for row in rows if isinstance(row, dict) and row.get("id")]
            exact = next((r for r in rows if str(r.get("name", "")).lower() == name.lower()), None)
            match = exact or (rows[0] if rows else None)
            if match is None:
                missing.append(name)
            else:
                found.append({"id": str(match["id"]), "name": str(match.get("name") or name)})
        return found, missing

    def resolve_locales(self, codes: list[str]) -> list[int]:
        keys: list[int] = []
        for code in codes:
            name = LANG_INFO.get(code, {}).get("name", code)
            rows = self.get("/search", {"type": "adlocale", "q": name, "limit": 10}).get("data") or []
            for row in rows:
                if isinstance(row, dict) and str(row.get("name", "")).lower().startswith(name.lower()):
                    keys.append(int(row["key"]))
                    break
            else:
                if rows and isinstance(rows[0], dict) and "key" in rows[0]:
                    keys.append(int(rows[0]["key"]))
        return sorted(set(keys))

    def targeting(self, campaign, state: dict) -> dict:
        audience = campaign.target_audience
        spec: dict[str, Any] = {
            "geo_locations": {"countries": list(audience.get("countries") or [])},
            "age_min": audience.get("age_min") or 18,
            "age_max": audience.get("age_max") or 65,
            "targeting_automation": {"advantage_audience": 0},
        }
        genders = audience.get("genders") or []
        if len(genders) == 1:
            spec["genders"] = [GENDERS[genders[0]]]
        if "interests" not in state:
            state["interests"], state["unresolved_interests"] = self.resolve_interests(audience.get("interests") or [])
        if state["interests"]:
            spec["flexible_spec"] = [{"interests": state["interests"]}]
        if "locales" not in state:
            state["locales"] = self.resolve_locales(audience.get("languages") or [])
        if state["locales"]:
            spec["locales"] = state["locales"]
        return spec

    # --- the interface -------------------------------------------------------------------

    def create_campaign(self, campaign) -> str:
        objective = OBJECTIVES[campaign.objective][0]
        return self.create(
            "campaigns",
            {
                "name": campaign.name,
                "objective": objective,
                "status": "PAUSED",  # activated once every ad exists
                "special_ad_categories": [],
                "buying_type": "AUCTION",
                "is_adset_budget_sharing_enabled": "false",
            },
        )

    def create_adset(self, campaign, *, state: dict) -> str:
        _objective, goal, billing = OBJECTIVES[campaign.objective]
        minor = currencies.to_minor(campaign.budget_amount, campaign.currency)
        fields: dict[str, Any] = {
            "name": f"{campaign.name} · {_('audience')}",
            "campaign_id": campaign.external_campaign_id,
            "billing_event": billing,
            "optimization_goal": goal,
            "bid_strategy": "LOWEST_COST_WITHOUT_CAP",
            "targeting": self.targeting(campaign, state),
            "status": "ACTIVE",
        }
        fields["daily_budget" if campaign.budget_type == "daily" else "lifetime_budget"] = minor
        if campaign.end_time:
            fields["end_time"] = campaign.end_time.strftime("%Y-%m-%dT%H:%M:%S%z")
        if campaign.objective == "LEAD_GENERATION" and self.tracking(campaign, "lead_form_id"):
            fields["destination_type"] = "ON_AD"
            fields["promoted_object"] = {"page_id": self.page_id}
        elif campaign.objective in ("CONVERSIONS", "LEAD_GENERATION"):
            event = "PURCHASE" if campaign.objective == "CONVERSIONS" else "LEAD"
            fields["optimization_goal"] = "OFFSITE_CONVERSIONS"
            fields["promoted_object"] = {"pixel_id": self.tracking(campaign, "pixel_id"), "custom_event_type": event}
        state["adset_budget_minor"] = minor
        return self.create("adsets", fields)

    def prepare_image(self, campaign, *, state: dict) -> None:
        """A library image is uploaded to the ad account once (its hash is kept);
        an outside https image is linked as `picture`."""
        if campaign.image_asset_id is None or state.get("image_hash"):
            return
        from nexusone import storage

        content = storage.read_bytes(campaign.image_asset)
        body = self.post(f"/{self.account}/adimages", {"bytes": base64.b64encode(content).decode()})
        images = body.get("images") or {}
        first = next(iter(images.values()), None) if isinstance(images, dict) else None
        if not isinstance(first, dict) or not first.get("hash"):
            raise AdsError(_("Meta did not accept the image."))
        state["image_hash"] = str(first["hash"])

    def create_creative(self, campaign, variant, *, state: dict) -> str:
        creative = campaign.ad_creative
        link = creative["destination_url"]
        cta: dict[str, Any] = {"type": variant.call_to_action, "value": {"link": link}}
        if campaign.objective == "LEAD_GENERATION" and self.tracking(campaign, "lead_form_id"):
            cta["value"] = {"lead_gen_form_id": self.tracking(campaign, "lead_form_id")}
        link_data: dict[str, Any] = {
            "link": link,
            "message": variant.primary_text,
            "name": variant.headline,
            "description": variant.description,
            "call_to_action": cta,
        }
        if state.get("image_hash"):
            link_data["image_hash"] = state["image_hash"]
        elif creative.get("image_url"):
            link_data["picture"] = creative["image_url"]
        return self.create(
            "adcreatives",
            {
                "name": f"{campaign.name} · {variant.label}",
                "object_story_spec": {"page_id": self.page_id, "link_data": link_data},
            },
        )

    def create_ad(self, campaign, variant) -> str:
        return self.create(
            "ads",
            {
                "name": f"{campaign.name} · {variant.label}",
                "adset_id": campaign.external_adset_id,
                "creative": {"creative_id": variant.external_creative_id},
                "status": "ACTIVE",
            },
        )

    def set_status(self, object_id: str, status: str) -> None:
        self.post(f"/{object_id}", {"status": status})

    # Insights through an asynchronous report run (AdReportRun): the synchronous
    # edge times out on wide ranges (100/1504018), the report run does not.
    def insights_start(self, campaign, *, since: date, until: date) -> str:
        body = self.post(
            f"/{self.account}/insights",
            {
                "level": "ad",
                "time_increment": "1",
                "time_range": {"since": since.isoformat(), "until": until.isoformat()},
                "filtering": [{"field": "campaign.id", "operator": "EQUAL", "value": campaign.external_campaign_id}],
                "fields": INSIGHT_FIELDS,
            },
        )
        # The SDK reads `report_run_id` (AdReportRunMixin); some answers carry it as `id`.
        run_id = body.get("report_run_id") or body.get("id")
        if not run_id:
            raise AdsError(_("Meta answered without a report id."))
        return str(run_id)

    def insights_status(self, report_run_id: str) -> ReportStatus:
        """`GET /{report_run_id}` with its default fields (v25 adds the `error_*` ones there)."""
        body = self.get(f"/{report_run_id}")
        status = str(body.get("async_status") or "")
        percent = max(0, min(100, _integer(body.get("async_percent_completion"))))
        if status == ASYNC_COMPLETED and percent >= 100:
            return ReportStatus(state="completed", percent=100, provider_status=status)
        if status in (ASYNC_FAILED, ASYNC_SKIPPED):
            reason = str(body.get("error_user_msg") or body.get("error_message") or "")[:900]
            if status == ASYNC_FAILED:
                error = _("Meta could not prepare the insights report: %(reason)s") % {
                    "reason": reason or _("no reason given")
                }
            else:
                error = _("Meta skipped the insights report; it will be asked for again.")
            return ReportStatus(
                state="failed" if status == ASYNC_FAILED else "skipped",
                percent=percent,
                provider_status=status,
                error=str(error),
            )
        return ReportStatus(state="running", percent=percent, provider_status=status)

    def insights_rows(self, campaign, report_run_id: str, *, since: date, until: date) -> list[InsightRow]:
        rows = self.pages(f"/{report_run_id}/insights", {"limit": 500})
        return [parsed for row in rows if (parsed := parse_insight(row)) is not None]

    def ad_statuses(self, campaign) -> list[AdStatus]:
        rows = self.pages(
            f"/{campaign.external_campaign_id}/ads", {"fields": "id,effective_status,ad_review_feedback", "limit": 200}
        )
        statuses = []
        for row in rows:
            feedback = row.get("ad_review_feedback") or {}
            text = (
                "; ".join(str(v) for v in (feedback.get("global") or {}).values()) if isinstance(feedback, dict) else ""
            )
            statuses.append(
                AdStatus(
                    ad_id=str(row.get("id")),
                    effective_status=str(row.get("effective_status") or ""),
                    feedback=text[:900],
                )
            )
        return statuses

    # --- Pages and Instagram -------------------------------------------------------------

    def page_token(self) -> str:
        """The chosen Page's token, read from `/me/accounts` with the user token (never stored)."""
        for row in self.pages("/me/accounts", {"fields": "id,access_token", "limit": 100}):
            if str(row.get("id")) == self.page_id and row.get("access_token"):
                return str(row["access_token"])
        raise AdsError(_("The connected Meta account no longer manages the chosen Page."))

    def fetch_lead(self, leadgen_id: str) -> dict:
        return self.get(
            f"/{leadgen_id}", {"fields": "id,created_time,field_data,ad_id,form_id"}, token=self.page_token()
        )

    def publish_post(self, post) -> Published:
        if post.platform == "instagram":
            account = str(self.settings.get("instagram_account_id") or "")
            container = self.post(f"/{account}/media", {"image_url": post.media_url, "caption": post.text})
            published = self.post(f"/{account}/media_publish", {"creation_id": container.get("id")})
            return Published(id=str(published.get("id") or ""), extra={"container_id": str(container.get("id"))})
        token = self.page_token()
        if post.media_url:
            body = self.post(f"/{self.page_id}/photos", {"url": post.media_url, "caption": post.text}, token=token)
        else:
            body = self.post(f"/{self.page_id}/feed", {"message": post.text, "link": post.link or None}, token=token)
        return Published(id=str(body.get("post_id") or body.get("id") or ""))


def parse_time(value: str) -> datetime | None:
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
    except (TypeError, ValueError):
        return None
