"""A journey's definition: the trigger, the steps and the goal — validated,
given stable ids, and compiled into a map the engine walks.

Steps (a list; `branch` nests two more):
- `wait` `{minutes|hours|days}` (at least one minute in all);
- `wait_until` `{hour, minute?, weekday?}` — the next such time in the
  contact's time zone (the contact's, else UTC); weekday 0 = Monday;
- `send_email` `{subject, preheader?, body, sender_id, language?}`;
- `send_sms` `{body}`;
- `send_whatsapp_template` `{template, language, account_id?, components?}`;
- `add_tag` / `remove_tag` `{tag}`; `set_stage` `{stage}`;
- `branch` `{on: opened|clicked|replied, within?: {minutes|hours|days}, then, else}`
  — opened/clicked look at the nearest `send_email` before the branch;
  with `within`, the contact waits until the condition holds or the window ends;
- `notify` `{message, user_id?}` — a notification to a member (or the managers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from nexusone.errors import ValidationFailed

TRIGGERS = ("segment_entered", "form_submitted", "tag_added", "whatsapp_keyword", "order_placed", "date_field")
ACTIVITY_TRIGGERS = {
    "form_submitted": "form_submit",
    "whatsapp_keyword": "whatsapp_message",
    "order_placed": "purchase",
}
STEP_TYPES = (
    "wait",
    "wait_until",
    "send_email",
    "send_sms",
    "send_whatsapp_template",
    "add_tag",
    "remove_tag",
    "set_stage",
    "branch",
    "notify",
)
BRANCH_ON = ("opened", "clicked", "replied")
MAX_STEPS = 50
MAX_WAIT_MINUTES = 366 * 24 * 60
_ID = re.compile(r"^s[0-9]{1,6}$")
_FIELD_KEY = re.compile(r"^[a-z0-9_]{1,50}$")
# Set by the server (the step's message template), never taken from input.
SERVER_KEYS = ("campaign_id", "sms_campaign_id")


class Invalid(Exception):
    def __init__(self, path: str, message: str):
        super().__init__(message)
        self.path, self.message = path, message


def _int(value: Any, path: str, *, low: int, high: int, required: bool = True) -> int | None:
    if value is None or value == "":
        if required:
            raise Invalid(path, _("This field is required."))
        return None
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).lstrip("-").isdigit():
        raise Invalid(path, _("Enter a whole number."))
    number = int(value)
    if not low <= number <= high:
        raise Invalid(path, _("Enter a number from %(low)d to %(high)d.") % {"low": low, "high": high})
    return number


def _text(value: Any, path: str, *, limit: int, required: bool = True) -> str:
    text = str(value or "").replace("\x00", "").strip() if not isinstance(value, dict | list) else None
    if text is None:
        raise Invalid(path, _("Enter text."))
    if required and not text:
        raise Invalid(path, _("This field is required."))
    if len(text) > limit:
        raise Invalid(path, _("At most %(n)d characters.") % {"n": limit})
    return text


def duration_minutes(spec: dict, path: str, *, required: bool = True) -> int:
    """{minutes|hours|days} → minutes."""
    if not isinstance(spec, dict):
        raise Invalid(path, _("Give minutes, hours or days."))
    total = 0
    for unit, factor in (("minutes", 1), ("hours", 60), ("days", 1440)):
        if spec.get(unit) not in (None, ""):
            total += _int(spec[unit], f"{path}.{unit}", low=0, high=MAX_WAIT_MINUTES) * factor
    if required and total < 1:
        raise Invalid(path, _("Wait at least one minute."))
    if total > MAX_WAIT_MINUTES:
        raise Invalid(path, _("Wait at most a year."))
    return total


def trigger_clean(value: Any) -> dict:
    if not isinstance(value, dict) or value.get("type") not in TRIGGERS:
        raise Invalid("trigger.type", _("Choose one of: %(types)s.") % {"types": ", ".join(TRIGGERS)})
    kind = value["type"]
    cleaned: dict[str, Any] = {"type": kind}
    if kind == "segment_entered":
        from crm.models import Segment

        segment_id = _int(value.get("segment_id"), "trigger.segment_id", low=1, high=2**62)
        if not Segment.objects.filter(pk=segment_id).exists():
            raise Invalid("trigger.segment_id", _("Unknown segment."))
        cleaned["segment_id"] = segment_id
    elif kind == "tag_added":
        from crm.validation import InvalidValue, normalize_tags

        try:
            tags = normalize_tags(_text(value.get("tag"), "trigger.tag", limit=50))
        except InvalidValue as exc:
            raise Invalid("trigger.tag", str(exc)) from None
        cleaned["tag"] = tags[0]
    elif kind == "whatsapp_keyword":
        keyword = _text(value.get("keyword"), "trigger.keyword", limit=40)
        if len(keyword.split()) != 1:
            raise Invalid("trigger.keyword", _("One word."))
        cleaned["keyword"] = keyword.casefold()
    elif kind == "form_submitted":
        page = _text(value.get("page"), "trigger.page", limit=100, required=False)
        if page:
            cleaned["page"] = page  # a landing page's id or slug; empty: any form
    elif kind == "date_field":
        key = _text(value.get("field"), "trigger.field", limit=50)
        if not _FIELD_KEY.match(key):
            raise Invalid("trigger.field", _("The key of a date custom field."))
        cleaned["field"] = key
        cleaned["days_before"] = _int(value.get("days_before", 0), "trigger.days_before", low=0, high=60)
    if kind in ("segment_entered", "tag_added"):
        cleaned["existing"] = bool(value.get("existing", False))
    return cleaned


def goal_clean(value: Any) -> dict:
    if not value:
        return {}
    if not isinstance(value, dict) or len(value) != 1 or not ({"tag", "stage"} & set(value)):
        raise Invalid("goal", _("Give a tag or a stage."))
    if "tag" in value:
        return {"tag": _text(value["tag"], "goal.tag", limit=50).lower()}
    from crm.validation import InvalidValue, normalize_stage

    try:
        return {"stage": normalize_stage(_text(value["stage"], "goal.stage", limit=20))}
    except InvalidValue as exc:
        raise Invalid("goal.stage", str(exc)) from None


@dataclass
class _Ids:
    used: set[str]
    next_number: int
    count: int = 0

    def take(self, wanted: Any) -> str:
        if (
            isinstance(wanted, str)
            and _ID.match(wanted)
            and wanted not in self.used
            and int(wanted[1:]) < self.next_number
        ):
            self.used.add(wanted)
            return wanted
        while f"s{self.next_number}" in self.used:
            self.next_number += 1
        step_id = f"s{self.next_number}"
        self.next_number += 1
        self.used.add(step_id)
        return step_id


def _step_clean(raw: Any, path: str, ids: _Ids, previous: dict[str, dict], seen_email: bool) -> tuple[dict, bool]:
    if not isinstance(raw, dict) or raw.get("type") not in STEP_TYPES:
        raise Invalid(f"{path}.type", _("Choose one of: %(types)s.") % {"types": ", ".join(STEP_TYPES)})
    ids.count += 1
    if ids.count > MAX_STEPS:
        raise Invalid(path, _("At most %(n)d steps.") % {"n": MAX_STEPS})
    kind = raw["type"]
    step: dict[str, Any] = {"id": ids.take(raw.get("id")), "type": kind}
    old = previous.get(step["id"], {})
    if old.get("type") == kind:  # the message template made for this step stays the same row
        step.update({key: old[key] for key in SERVER_KEYS if key in old})
    if kind == "wait":
        duration_minutes({k: raw.get(k) for k in ("minutes", "hours", "days")}, path)
        step.update({k: int(raw[k]) for k in ("minutes", "hours", "days") if raw.get(k) not in (None, "")})
    elif kind == "wait_until":
        step["hour"] = _int(raw.get("hour"), f"{path}.hour", low=0, high=23)
        step["minute"] = _int(raw.get("minute", 0), f"{path}.minute", low=0, high=59)
        weekday = _int(raw.get("weekday"), f"{path}.weekday", low=0, high=6, required=False)
        if weekday is not None:
            step["weekday"] = weekday
    elif kind == "send_email":
        from emails.content import blocks_clean, html_clean

        step["subject"] = _text(raw.get("subject"), f"{path}.subject", limit=200)
        step["preheader"] = _text(raw.get("preheader"), f"{path}.preheader", limit=200, required=False)
        step["sender_id"] = _int(raw.get("sender_id"), f"{path}.sender_id", low=1, high=2**62)
        from emails.models import Sender

        if not Sender.objects.filter(pk=step["sender_id"]).exists():
            raise Invalid(f"{path}.sender_id", _("Unknown sender."))
        language = str(raw.get("language") or "en")
        from django.conf import settings

        if language not in dict(settings.LANGUAGES):
            raise Invalid(f"{path}.language", _("Unknown language."))
        step["language"] = language
        body = raw.get("body")
        if isinstance(body, str):
            step["body_html"] = html_clean(_text(body, f"{path}.body", limit=200_000))
        else:
            try:
                step["body"] = blocks_clean(body)
            except ValidationFailed as exc:
                first = next(iter(exc.details.items()), ("body", [_("Invalid blocks.")]))
                raise Invalid(f"{path}.{first[0]}", str(first[1][0])) from None
            if not step["body"]:
                raise Invalid(f"{path}.body", _("Write the e-mail first."))
        seen_email = True
    elif kind == "send_sms":
        from sms import segments

        step["body"] = _text(raw.get("body"), f"{path}.body", limit=segments.MAX_BODY)
    elif kind == "send_whatsapp_template":
        step["template"] = _text(raw.get("template"), f"{path}.template", limit=512)
        step["language"] = _text(raw.get("language") or "en", f"{path}.language", limit=15)
        account_id = _int(raw.get("account_id"), f"{path}.account_id", low=1, high=2**62, required=False)
        if account_id is not None:
            from whatsapp.models import WhatsAppAccount

            if not WhatsAppAccount.objects.filter(pk=account_id).exists():
                raise Invalid(f"{path}.account_id", _("Unknown WhatsApp number."))
            step["account_id"] = account_id
        components = raw.get("components") or []
        if not isinstance(components, list) or len(components) > 10:
            raise Invalid(f"{path}.components", _("A list of template components."))
        step["components"] = components
    elif kind in ("add_tag", "remove_tag"):
        from crm.validation import InvalidValue, normalize_tags

        try:
            step["tag"] = normalize_tags(_text(raw.get("tag"), f"{path}.tag", limit=50))[0]
        except InvalidValue as exc:
            raise Invalid(f"{path}.tag", str(exc)) from None
    elif kind == "set_stage":
        from crm.validation import InvalidValue, normalize_stage

        try:
            step["stage"] = normalize_stage(_text(raw.get("stage"), f"{path}.stage", limit=20))
        except InvalidValue as exc:
            raise Invalid(f"{path}.stage", str(exc)) from None
    elif kind == "notify":
        step["message"] = _text(raw.get("message"), f"{path}.message", limit=500)
        user_id = _int(raw.get("user_id"), f"{path}.user_id", low=1, high=2**62, required=False)
        if user_id is not None:
            from accounts.models import Membership
            from nexusone.tenancy import require_active_workspace

            if not Membership.objects.filter(workspace=require_active_workspace(), user_id=user_id).exists():
                raise Invalid(f"{path}.user_id", _("Not a member of this workspace."))
            step["user_id"] = user_id
    elif kind == "branch":
        if raw.get("on") not in BRANCH_ON:
            raise Invalid(f"{path}.on", _("Choose one of: %(types)s.") % {"types": ", ".join(BRANCH_ON)})
        step["on"] = raw["on"]
        if step["on"] in ("opened", "clicked") and not seen_email:
            raise Invalid(f"{path}.on", _("Put a send_email step before this branch."))
        if raw.get("within"):
            duration_minutes(raw["within"], f"{path}.within")
            step["within"] = {k: int(v) for k, v in raw["within"].items() if k in ("minutes", "hours", "days") and v}
        for arm in ("then", "else"):
            step[arm] = _steps_clean(raw.get(arm) or [], f"{path}.{arm}", ids, previous, seen_email)
    return step, seen_email


def _steps_clean(raw: Any, path: str, ids: _Ids, previous: dict[str, dict], seen_email: bool) -> list[dict]:
    if not isinstance(raw, list):
        raise Invalid(path, _("A list of steps."))
    steps = []
    for index, item in enumerate(raw):
        step, seen_email = _step_clean(item, f"{path}[{index}]", ids, previous, seen_email)
        steps.append(step)
    return steps


def walk(steps: list[dict]):
    """Every step, depth first."""
    for step in steps:
        yield step
        if step["type"] == "branch":
            yield from walk(step["then"])
            yield from walk(step["else"])


def steps_clean(raw: Any, *, previous: list[dict] | None = None, next_number: int = 1) -> tuple[list[dict], int]:
    """Validated steps with ids (existing ids kept) and the next free number."""
    old = {step["id"]: step for step in walk(previous or [])}
    ids = _Ids(used=set(), next_number=max(next_number, 1))
    return _steps_clean(raw, "steps", ids, old, False), ids.next_number


def definition_clean(data: dict, *, journey=None) -> dict:
    """The validated fields of a journey's definition, or ValidationFailed."""
    cleaned: dict[str, Any] = {}
    try:
        if "trigger" in data or journey is None:
            cleaned["trigger"] = trigger_clean(data.get("trigger"))
        if "goal" in data:
            cleaned["goal"] = goal_clean(data.get("goal"))
        if "steps" in data or journey is None:
            cleaned["steps"], cleaned["next_step_number"] = steps_clean(
                data.get("steps"),
                previous=journey.steps if journey is not None else None,
                next_number=journey.next_step_number if journey is not None else 1,
            )
    except Invalid as exc:
        raise ValidationFailed(details={exc.path: [exc.message]}) from None
    return cleaned


@dataclass
class Node:
    step: dict
    next_id: str  # "" = the end
    email_ref: str = ""  # the nearest send_email before it (branches)
    path: list[str] = field(default_factory=list)


def compile_steps(steps: list[dict]) -> dict[str, Node]:
    """step id → Node(step, next id, the send_email step a branch looks at)."""
    nodes: dict[str, Node] = {}

    def visit(sequence: list[dict], after: str, email_ref: str) -> str:
        # returns the id of the sequence's first step (or `after` when empty)
        for index, step in enumerate(sequence):
            following = sequence[index + 1]["id"] if index + 1 < len(sequence) else after
            nodes[step["id"]] = Node(step=step, next_id=following, email_ref=email_ref)
            if step["type"] == "send_email":
                email_ref = step["id"]
            elif step["type"] == "branch":
                step_then = visit(step["then"], following, email_ref)
                step_else = visit(step["else"], following, email_ref)
                nodes[step["id"]].path = [step_then, step_else]
        return sequence[0]["id"] if sequence else after

    visit(steps, "", "")
    return nodes
