"""Walk every workspace page like a person would: follow the links, collect
every form, and resolve which view and which permission-table rule answers.

Used by the page side of the role matrix (test_permissions.py): starting at
the dashboard as the workspace owner (who sees every link and form), it
visits every `/<lang>/w/<slug>/…` page reachable by links and htmx
attributes, and records each `<form method="post">` with the values a
browser would send.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from django.urls import get_resolver, resolve

from nexusone.tests.routewalk import _walk

LINK_ATTRIBUTES = ("href", "hx-get", "src")


@dataclass
class Form:
    page: str  # where it was found
    url: str  # where it posts
    fields: dict[str, str] = field(default_factory=dict)
    # a button, submit input or auto-submitting control: a person can send it
    submittable: bool = False

    @property
    def action(self) -> str:
        return self.fields.get("action", "")

    def key(self) -> tuple:
        return (resolve(urlsplit(self.url).path).url_name, self.action)


class _PageParser(HTMLParser):
    def __init__(self, page: str):
        super().__init__()
        self.page = page
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._select_first: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in LINK_ATTRIBUTES:
            if attrs.get(name):
                self.links.append(urljoin(self.page, attrs[name]))
        if tag == "form":
            method = (attrs.get("method") or "get").lower()
            target = attrs.get("hx-post") or attrs.get("action") or self.page
            self._form = (
                Form(page=self.page, url=urljoin(self.page, target))
                if method == "post" or attrs.get("hx-post")
                else None
            )
            return
        if self._form is None:
            return
        name = attrs.get("name")
        kind = (attrs.get("type") or "").lower()
        if (tag == "button" and kind in ("", "submit")) or (tag == "input" and kind in ("submit", "image")):
            self._form.submittable = True
        if "submit" in (attrs.get("onchange") or ""):
            self._form.submittable = True
        if tag == "input" and name and name != "csrfmiddlewaretoken":
            kind = (attrs.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self._form.fields[name] = attrs.get("value") or "on"
            elif kind == "file":
                return
            elif kind != "submit" or name not in self._form.fields:
                self._form.fields.setdefault(name, attrs.get("value") or "")
        elif tag == "button" and name and attrs.get("value") is not None:
            self._form.fields.setdefault(name, attrs["value"])
        elif tag == "select" and name:
            self._select, self._select_first = name, None
        elif tag == "option" and self._select:
            value = attrs.get("value") or ""
            if self._select_first is None:
                self._select_first = value
            if "selected" in attrs:
                self._form.fields[self._select] = value
        elif tag == "textarea" and name:
            self._textarea = name
            self._form.fields.setdefault(name, "")

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form.fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "select" and self._select and self._form is not None:
            self._form.fields.setdefault(self._select, self._select_first or "")
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self._form is not None:
            if self._form.submittable:
                self.forms.append(self._form)
            self._form = None


def crawl(
    client, start: str, prefix: str, limit: int = 400, html_seen: dict[str, str] | None = None
) -> tuple[dict[str, int], list[Form]]:
    """Visit every page under `prefix` reachable from `start`; return
    {path: status} and the POST forms found (one per view and action).
    `html_seen`, when given, receives each HTML page's body by path."""
    seen: dict[str, int] = {}
    forms: dict[tuple, Form] = {}
    queue = deque([start])
    while queue and len(seen) < limit:
        url = queue.popleft()
        path = urlsplit(url).path
        query = urlsplit(url).query
        key = path + ("?" + query if query else "")
        if key in seen or not path.startswith(prefix):
            continue
        response = client.get(key)
        seen[key] = response.status_code
        if response.status_code in (301, 302) and response.get("Location", "").startswith(prefix):
            queue.append(response["Location"])
            continue
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        parser = _PageParser(path)
        html = response.content.decode()
        if html_seen is not None:
            html_seen[key] = html
        parser.feed(html)
        for form in parser.forms:
            if urlsplit(form.url).path.startswith(prefix):
                forms.setdefault(form.key(), form)
        for link in parser.links:
            parts = urlsplit(link)
            if parts.path.startswith(prefix) and not parts.path.startswith(("/static/", "/media/")):
                queue.append(parts.path + ("?" + parts.query if parts.query else ""))
    return seen, list(forms.values())


def reached_names(pages: dict[str, int], forms: list[Form]) -> set[str]:
    """Page routes visited by a GET or targeted by a form (POST-only views)."""
    names = {url_name(path.split("?")[0]) for path in pages}
    return names | {url_name(urlsplit(form.url).path) for form in forms}


def workspace_page_names() -> set[str]:
    """Every named page route that lives inside a workspace (`w/<slug>/…`)."""
    names = set()
    for regex, pattern in _walk(get_resolver().url_patterns):
        if "w/(?P<slug>" in regex and pattern.name:
            names.add(pattern.name)
    return names


def url_name(path: str) -> str:
    return resolve(path).url_name


def view_class(path: str):
    match = resolve(path)
    return getattr(match.func, "view_class", None)
