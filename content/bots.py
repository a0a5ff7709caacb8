"""Who is a visitor: the heuristics that keep crawlers, link previews and
scripts out of landing-page views and conversions.

Errs on the side of "bot" for clients that never render a page (previews,
HTTP libraries, headless browsers); real browsers always send a long
User-Agent without these tokens. Prefetches are not visits either."""

from __future__ import annotations

import re

_BOT = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|archiver|preview|fetcher|scanner|monitor|pingdom|uptime|"
    r"curl|wget|python|httpx|aiohttp|requests|go-http|java/|okhttp|libwww|perl|ruby|node-fetch|axios|"
    r"headless|phantomjs|puppeteer|playwright|lighthouse|pagespeed|gtmetrix|"
    r"facebookexternalhit|facebot|embedly|quora link|whatsapp|telegram|discord|slack|skype|vkshare|"
    r"bingpreview|google-inspectiontool|feedfetcher|mediapartners",
    re.IGNORECASE,
)


def is_bot(request) -> bool:
    user_agent = request.META.get("HTTP_USER_AGENT", "")
    if len(user_agent) < 12 or _BOT.search(user_agent):
        return True
    purpose = (request.headers.get("Sec-Purpose") or request.headers.get("Purpose") or "").lower()
    return "prefetch" in purpose or "prerender" in purpose
