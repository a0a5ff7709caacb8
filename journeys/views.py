"""Journey pages under /<lang>/w/<slug>/journeys/: the list and the builder —
a readable vertical flow with each step's statistics, steps added at the end
of the flow or of a branch arm, removed, or edited as JSON. Thin: the
definition goes through `journeys.services` like the API's."""

from __future__ import annotations

import json

from django.contrib import messages
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import TemplateView

from crm.models import Stage
from emails.markup import markup_to_blocks
from emails.views import error_text, segment_choices
from journeys import selectors, services
from journeys.definition import BRANCH_ON, STEP_TYPES, TRIGGERS, walk
from journeys.models import Journey
from nexusone.errors import ApplicationError, ValidationFailed
from nexusone.pages import WorkspacePageMixin

TRIGGER_LABELS = {
    "segment_entered": gettext_lazy("Enters a segment"),
    "form_submitted": gettext_lazy("Submits a form"),
    "tag_added": gettext_lazy("Gets a tag"),
    "whatsapp_keyword": gettext_lazy("Sends a WhatsApp keyword"),
    "order_placed": gettext_lazy("Places an order"),
    "date_field": gettext_lazy("A date field comes round (e.g. a birthday)"),
}
STEP_LABELS = {
    "wait": gettext_lazy("Wait"),
    "wait_until": gettext_lazy("Wait until a time of day"),
    "send_email": gettext_lazy("Send an e-mail"),
    "send_sms": gettext_lazy("Send an SMS"),
    "send_whatsapp_template": gettext_lazy("Send a WhatsApp template"),
    "add_tag": gettext_lazy("Add a tag"),
    "remove_tag": gettext_lazy("Remove a tag"),
    "set_stage": gettext_lazy("Set the stage"),
    "branch": gettext_lazy("Branch"),
    "notify": gettext_lazy("Notify a member"),
}
BRANCH_LABELS = {
    "opened": gettext_lazy("opened the e-mail"),
    "clicked": gettext_lazy("clicked in the e-mail"),
    "replied": gettext_lazy("replied"),
}
WEEKDAYS = [
    gettext_lazy("Monday"),
    gettext_lazy("Tuesday"),
    gettext_lazy("Wednesday"),
    gettext_lazy("Thursday"),
    gettext_lazy("Friday"),
    gettext_lazy("Saturday"),
    gettext_lazy("Sunday"),
]
UNITS = {"minutes": gettext_lazy("minutes"), "hours": gettext_lazy("hours"), "days": gettext_lazy("days")}


def duration_text(unit: str, amount: int) -> str:
    """Like "1 minute" or "5 minutes", in the plural forms each language has (Arabic has six)."""
    if unit == "days":
        return ngettext("%(n)d day", "%(n)d days", amount) % {"n": amount}
    if unit == "hours":
        return ngettext("%(n)d hour", "%(n)d hours", amount) % {"n": amount}
    return ngettext("%(n)d minute", "%(n)d minutes", amount) % {"n": amount}


def _trigger_names(triggers: list[dict]) -> dict[tuple[str, str], str]:
    """The segment names and landing-page titles the triggers name, in two queries (not one per journey)."""
    from content.selectors import landing_page_list
    from crm.models import Segment

    segment_ids = {t["segment_id"] for t in triggers if t.get("segment_id")}
    pages = {str(t["page"]) for t in triggers if t.get("type") == "form_submitted" and t.get("page")}
    names = {
        ("segment", str(pk)): name for pk, name in Segment.objects.filter(pk__in=segment_ids).values_list("pk", "name")
    }
    if pages:
        ids = [int(page) for page in pages if page.isdigit()]
        slugs = [page for page in pages if not page.isdigit()]
        for pk, slug, title in (
            landing_page_list().filter(Q(pk__in=ids) | Q(slug__in=slugs)).values_list("pk", "slug", "title")
        ):
            names[("page", str(pk))] = names[("page", slug)] = title
    return names


def trigger_text(trigger: dict, names: dict[tuple[str, str], str] | None = None) -> str:
    label = str(TRIGGER_LABELS.get(trigger.get("type"), trigger.get("type", "")))
    detail = trigger.get("tag") or trigger.get("keyword") or trigger.get("field") or trigger.get("page") or ""
    names = _trigger_names([trigger]) if names is None else names
    if trigger.get("segment_id"):
        detail = names.get(("segment", str(trigger["segment_id"])), "?")
    elif trigger.get("type") == "form_submitted" and trigger.get("page"):
        detail = names.get(("page", str(trigger["page"])), str(trigger["page"]))
    return f"{label}: {detail}" if detail else label


def step_text(step: dict) -> str:
    kind = step["type"]
    if kind == "wait":
        return ", ".join(duration_text(unit, step[unit]) for unit in ("days", "hours", "minutes") if step.get(unit))
    if kind == "wait_until":
        time = f"{step['hour']:02d}:{step.get('minute', 0):02d}"
        day = f"{WEEKDAYS[step['weekday']]} " if step.get("weekday") is not None else ""
        return _("%(day)s%(time)s in the contact's time zone") % {"day": day, "time": time}
    if kind == "send_email":
        return step.get("subject", "")
    if kind == "send_sms":
        return step.get("body", "")
    if kind == "send_whatsapp_template":
        return f"{step.get('template', '')} ({step.get('language', '')})"
    if kind in ("add_tag", "remove_tag"):
        return step.get("tag", "")
    if kind == "set_stage":
        return str(dict(Stage.choices).get(step.get("stage"), step.get("stage", "")))
    if kind == "branch":
        text = _("If the contact %(what)s") % {"what": BRANCH_LABELS.get(step.get("on"), step.get("on"))}
        if step.get("within"):
            within = ", ".join(duration_text(k, v) for k, v in step["within"].items() if k in UNITS)
            text += " " + _("(waiting up to %(within)s)") % {"within": within}
        return text
    if kind == "notify":
        return step.get("message", "")
    return ""


def _int(value: str) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() else None


def step_from_form(post) -> dict:
    """One step from the builder's add form (validated by the services like any input)."""
    kind = post.get("type", "")
    if kind not in STEP_TYPES:
        raise ValidationFailed(details={"type": [_("Choose a step type.")]})
    step: dict = {"type": kind}
    if kind == "wait":
        unit = post.get("unit") if post.get("unit") in UNITS else "minutes"
        step[unit] = _int(post.get("amount", ""))
    elif kind == "wait_until":
        step.update(hour=_int(post.get("hour", "")), minute=_int(post.get("minute", "")) or 0)
        if _int(post.get("weekday", "")) is not None:
            step["weekday"] = _int(post.get("weekday", ""))
    elif kind == "send_email":
        step.update(
            subject=post.get("subject", ""),
            preheader=post.get("preheader", ""),
            sender_id=_int(post.get("sender", "")),
            language=post.get("language", "en"),
            body=markup_to_blocks(post.get("body", "")),
        )
    elif kind == "send_sms":
        step["body"] = post.get("sms_body", "")
    elif kind == "send_whatsapp_template":
        step.update(template=post.get("template", ""), language=post.get("template_language", "") or "en")
    elif kind in ("add_tag", "remove_tag"):
        step["tag"] = post.get("tag", "")
    elif kind == "set_stage":
        step["stage"] = post.get("stage", "")
    elif kind == "branch":
        step.update(on=post.get("on", ""), then=[], **{"else": []})
        if _int(post.get("within_hours", "")):
            step["within"] = {"hours": _int(post.get("within_hours", ""))}
    elif kind == "notify":
        step["message"] = post.get("message", "")
    return step


def _insert(steps: list[dict], where: str, step: dict) -> bool:
    """Append `step` to the main flow ("") or to a branch arm ("s3:then")."""
    if not where:
        steps.append(step)
        return True
    target, _sep, arm = where.partition(":")
    for candidate in walk(steps):
        if candidate["id"] == target and candidate["type"] == "branch" and arm in ("then", "else"):
            candidate[arm].append(step)
            return True
    return False


def _remove(steps: list[dict], step_id: str) -> list[dict]:
    kept = []
    for step in steps:
        if step["id"] == step_id:
            continue
        if step["type"] == "branch":
            step = {**step, "then": _remove(step["then"], step_id), "else": _remove(step["else"], step_id)}
        kept.append(step)
    return kept


class JourneyPage(WorkspacePageMixin, TemplateView):
    permission = "journeys.view"
    form_permissions = {"": "journeys.change"}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["email_section"] = "journeys"
        return context


class JourneyListView(JourneyPage):
    template_name = "journeys/pages/list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        from content.selectors import landing_page_list

        journeys = list(selectors.journey_list()[:100])
        names = _trigger_names([journey.trigger for journey in journeys])
        rows = [(journey, trigger_text(journey.trigger, names)) for journey in journeys]

        pages = landing_page_list().order_by("title", "id").values_list("pk", "title")[:200]
        context.update(
            rows=rows,
            triggers=[(t, TRIGGER_LABELS[t]) for t in TRIGGERS],
            segments=segment_choices(),
            pages=[(str(pk), title) for pk, title in pages],
        )
        return context

    def post(self, request, slug):
        post = request.POST
        kind = post.get("trigger", "")
        trigger = {"type": kind}
        if kind == "segment_entered":
            trigger["segment_id"] = _int(post.get("segment", ""))
        elif kind in ("tag_added", "whatsapp_keyword", "date_field", "form_submitted"):
            key = {"tag_added": "tag", "whatsapp_keyword": "keyword", "date_field": "field", "form_submitted": "page"}
            # A form trigger names its page from the list (empty: any form); the others are typed.
            typed = post.get("page", "") if kind == "form_submitted" else post.get("value", "")
            trigger[key[kind]] = typed
        try:
            journey = services.journey_create(
                workspace=self.workspace,
                data={"name": post.get("name", ""), "trigger": trigger, "steps": []},
                user=request.user,
                request=request,
            )
        except ApplicationError as exc:
            messages.error(request, error_text(exc))
            return redirect("journeys", slug=slug)
        return redirect("journey", slug=slug, pk=journey.pk)


class JourneyBuilderView(JourneyPage):
    template_name = "journeys/pages/builder.html"
    form_permissions = {
        "add": "journeys.change",
        "remove": "journeys.change",
        "json": "journeys.change",
        "activate": "journeys.change",
        "pause": "journeys.change",
        "goal": "journeys.change",
    }

    def _journey(self, pk) -> Journey:
        journey = selectors.journey_list().filter(pk=pk).first()
        if journey is None:
            raise Http404(_("Not found."))
        return journey

    def get_context_data(self, **kwargs):
        from emails.selectors import sender_list
        from whatsapp.models import MessageTemplate
        from whatsapp.selectors import template_list

        context = super().get_context_data(**kwargs)
        journey = self._journey(kwargs["pk"])
        # Offered as suggestions: a journey may name a template approved later.
        approved = template_list().filter(status=MessageTemplate.Status.APPROVED).values_list("name", "language")
        templates = [{"name": name, "language": language} for name, language in sorted(set(approved[:500]))]
        stats = selectors.journey_stats(journey=journey)
        by_step = {row["id"]: row for row in stats["steps"]}
        places = [("", _("the end of the flow"))]
        for step in walk(journey.steps):
            if step["type"] == "branch":
                places += [
                    (f"{step['id']}:then", _("“yes” of %(id)s") % {"id": step["id"]}),
                    (f"{step['id']}:else", _("“no” of %(id)s") % {"id": step["id"]}),
                ]
        context.update(
            journey=journey,
            trigger=trigger_text(journey.trigger),
            flow=self._flow(journey.steps, by_step),
            stats=stats,
            places=places,
            step_types=[(t, STEP_LABELS[t]) for t in STEP_TYPES],
            branch_on=[(o, BRANCH_LABELS[o]) for o in BRANCH_ON],
            units=list(UNITS.items()),
            weekdays=list(enumerate(WEEKDAYS)),
            stages=Stage.choices,
            senders=sender_list(),
            templates=templates,
            template_languages=sorted({template["language"] for template in templates}),
            steps_json=json.dumps(journey.steps, ensure_ascii=False, indent=2),
            goal_type=next(iter(journey.goal), ""),
            goal_value=next(iter(journey.goal.values()), ""),
        )
        return context

    def _flow(self, steps: list[dict], by_step: dict) -> list[dict]:
        flow = []
        for step in steps:
            item = {
                "step": step,
                "label": STEP_LABELS.get(step["type"], step["type"]),
                "text": step_text(step),
                "stats": by_step.get(step["id"], {}),
            }
            if step["type"] == "branch":
                item["then"], item["else"] = self._flow(step["then"], by_step), self._flow(step["else"], by_step)
            flow.append(item)
        return flow

    def post(self, request, slug, pk):
        journey = self._journey(pk)
        post = request.POST
        action = post.get("action", "")
        try:
            if action == "add":
                steps = json.loads(json.dumps(journey.steps))
                if not _insert(steps, post.get("where", ""), step_from_form(post)):
                    raise ValidationFailed(details={"where": [_("Unknown place in the flow.")]})
                services.journey_update(journey=journey, data={"steps": steps}, user=request.user, request=request)
                messages.success(request, _("Step added."))
            elif action == "remove":
                steps = _remove(journey.steps, post.get("step", ""))
                services.journey_update(journey=journey, data={"steps": steps}, user=request.user, request=request)
                messages.success(request, _("Step removed."))
            elif action == "json":
                try:
                    steps = json.loads(post.get("steps", ""))
                except ValueError:
                    raise ValidationFailed(details={"steps": [_("This is not valid JSON.")]}) from None
                services.journey_update(journey=journey, data={"steps": steps}, user=request.user, request=request)
                messages.success(request, _("Saved."))
            elif action == "goal":
                kind, value = post.get("goal_type", ""), post.get("goal_value", "").strip()
                goal = {kind: value} if kind in ("tag", "stage") and value else {}
                services.journey_update(journey=journey, data={"goal": goal}, user=request.user, request=request)
                messages.success(request, _("Saved."))
            elif action == "activate":
                services.journey_activate(journey=journey, user=request.user, request=request)
                messages.success(request, _("Active: contacts enter and move every minute."))
            elif action == "pause":
                services.journey_pause(journey=journey, user=request.user, request=request)
                messages.success(request, _("Paused: nobody enters or moves until it is active again."))
        except ApplicationError as exc:
            messages.error(request, error_text(exc))
        return redirect("journey", slug=slug, pk=journey.pk)
