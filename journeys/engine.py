"""The journey engine: enrol contacts from the trigger, then move enrollments
through their steps — called by the beat every minute, in bounded batches.

`advance(journey)` repeats, until nothing is due or its budget is spent:
1. in one transaction, lock up to `JOURNEYS_BATCH_SIZE` due enrollments
   (`FOR UPDATE SKIP LOCKED`: two workers never hold the same contact);
2. leave the ones that reached the goal, unsubscribed (or complained), or sit
   at a step that was removed; complete the ones past the last step;
3. run each step once for its group (`journeys.steps`), write one `StepRun`
   per enrollment (unique: a second run of the same step is impossible) and
   move each enrollment to its next step and due time;
4. commit — the step's effects, the runs and the moves together; messages
   go to the sending pipelines after commit.
A worker killed mid-batch rolls the whole batch back; the next tick redoes it.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from journeys import steps as step_handlers
from journeys.definition import ACTIVITY_TRIGGERS, compile_steps
from journeys.models import Enrollment, Journey, StepRun

logger = logging.getLogger(__name__)
E = Enrollment.Status
CONTACT_FIELDS = (
    "pk",
    "email",
    "phone",
    "tags",
    "stage",
    "timezone",
    "first_name",
    "last_name",
    "email_opt_in",
    "sms_opt_in",
    "whatsapp_opt_in",
    "language",
)
LEAVING_REASONS = ("unsubscribed", "complained")
MEMBER_TRIGGERS = ("segment_entered", "tag_added")


def batch_size() -> int:
    return max(1, int(getattr(settings, "JOURNEYS_BATCH_SIZE", 500)))


# --- enrolment ----------------------------------------------------------------------------------------


def _first_step(journey: Journey) -> str:
    return journey.steps[0]["id"] if journey.steps else ""


def _enrol(journey: Journey, contact_ids, *, now: datetime, entry_key: str = "", unenrolled: bool = False) -> int:
    """Enrol `contact_ids` (`unenrolled`: the caller's query already left out the enrolled ones)."""
    contact_ids = list(dict.fromkeys(contact_ids))
    if contact_ids and not unenrolled:
        known = set(
            Enrollment.objects.filter(journey_id=journey.pk, entry_key=entry_key, contact_id__in=contact_ids)
            .order_by()  # no default ordering: looked up in the (journey, contact, entry_key) index
            .values_list("contact_id", flat=True)
        )
        contact_ids = [pk for pk in contact_ids if pk not in known]
    if not contact_ids:
        return 0
    first = _first_step(journey)
    created = Enrollment.objects.bulk_create(
        [
            Enrollment(
                workspace_id=journey.workspace_id,
                journey=journey,
                contact_id=contact_id,
                entry_key=entry_key,
                step_id=first,
                due_at=now,
                step_entered_at=now,
            )
            for contact_id in contact_ids
        ],
        ignore_conflicts=True,
    )
    # known contacts were left out above; only a concurrent enrolment can still conflict
    added = len(created)
    Journey.objects.filter(pk=journey.pk).update(count_entered=F("count_entered") + added)
    return added


def _membership_query(journey: Journey):
    from crm.models import Contact, Segment
    from crm.selectors import segment_filter_q, tag_q

    trigger = journey.trigger
    if trigger["type"] == "segment_entered":
        segment = Segment.objects.filter(pk=trigger["segment_id"]).first()
        if segment is None:
            return None
        return Contact.objects.filter(segment_filter_q(segment.definition))
    return Contact.objects.filter(tag_q(trigger["tag"]))


def _not_enrolled(queryset, journey: Journey, entry_key: str = "", *, after: int = 0):
    """`queryset`'s contacts with ids above `after` that the journey has not enrolled."""
    taken = Enrollment.objects.filter(journey_id=journey.pk, contact_id=OuterRef("pk"), entry_key=entry_key)
    if after:
        # Said on both sides so the planner can start both index scans at `after`: with it only on
        # the contacts, a merge anti-join still walks every enrollment below it.
        queryset, taken = queryset.filter(pk__gt=after), taken.filter(contact_id__gt=after)
    return queryset.filter(~Exists(taken))


def baseline(journey: Journey, *, now: datetime | None = None) -> int:
    """Segment/tag triggers without `existing`: contacts already there when the
    journey is first activated are recorded as already in (never enrolled)."""
    if journey.baseline_done or journey.trigger.get("type") not in ("segment_entered", "tag_added"):
        return 0
    total = 0
    if not journey.trigger.get("existing"):
        queryset = _membership_query(journey)
        ids = list(_not_enrolled(queryset, journey).values_list("pk", flat=True)) if queryset is not None else []
        for start in range(0, len(ids), 5000):
            total += len(
                Enrollment.objects.bulk_create(
                    [
                        Enrollment(
                            workspace_id=journey.workspace_id,
                            journey=journey,
                            contact_id=pk,
                            status=E.BASELINE,
                            finished_at=now or timezone.now(),
                        )
                        for pk in ids[start : start + 5000]
                    ],
                    ignore_conflicts=True,
                )
            )
    Journey.objects.filter(pk=journey.pk).update(baseline_done=True)
    journey.baseline_done = True
    return total


def _activity_matches(journey: Journey, payload: dict) -> bool:
    trigger = journey.trigger
    if trigger["type"] == "whatsapp_keyword":
        if payload.get("direction") != "inbound":
            return False
        words = str(payload.get("text") or "").split()
        return bool(words) and words[0].casefold().strip(".,!?¡¿") == trigger["keyword"]
    if trigger["type"] == "form_submitted" and trigger.get("page"):
        page = payload.get("page") or {}
        return trigger["page"] in {str(page.get("id", "")), str(page.get("slug", ""))}
    return True


def _date_candidates(journey: Journey, now: datetime) -> list[tuple[int, str]]:
    """Contacts whose date field (minus `days_before`) is today in their time
    zone, with the year as the entry key: once a year each."""
    from datetime import timedelta

    from crm.models import Contact

    trigger = journey.trigger
    key, before = trigger["field"], int(trigger.get("days_before", 0))
    days = {(now + timedelta(days=shift + before)).strftime("-%m-%d") for shift in (-1, 0, 1)}
    query = None
    for day in days:
        part = Contact.objects.filter(**{f"custom_fields__{key}__endswith": day})
        query = part if query is None else query | part
    found = []
    for pk, fields, zone in query.values_list("pk", "custom_fields", "timezone")[: batch_size() * 4]:
        local = now.astimezone(step_handlers.contact_zone(zone)).date()
        target = (local + timedelta(days=before)).strftime("-%m-%d")
        if str((fields or {}).get(key, "")).endswith(target):
            found.append((pk, str(local.year)))
    return found


def enrol(journey: Journey, *, now: datetime | None = None) -> int:
    """Enrol the contacts the trigger found since the last call (bounded)."""
    from crm.models import Activity

    now = now or timezone.now()
    trigger = journey.trigger
    kind = trigger.get("type")
    limit = batch_size()
    if kind in MEMBER_TRIGGERS:
        if not journey.baseline_done:
            baseline(journey, now=now)
        queryset = _membership_query(journey)
        if queryset is None:
            return 0
        # Keyset pass over the members: each call resumes after the last contact the previous one
        # reached (`cursor`), so enrolling a 100,000-contact segment reads each contact once instead
        # of walking past every already-enrolled one again on each batch. A short batch means the
        # pass reached the end: the next call starts over from the lowest id, which is how
        # contacts that joined the segment after the pass went by are found.
        ids = list(
            _not_enrolled(queryset, journey, after=journey.cursor).order_by("pk").values_list("pk", flat=True)[:limit]
        )
        cursor = ids[-1] if len(ids) == limit else 0
        if cursor != journey.cursor:
            Journey.objects.filter(pk=journey.pk).update(cursor=cursor)
            journey.cursor = cursor
        return _enrol(journey, ids, now=now, unenrolled=True)
    if kind in ACTIVITY_TRIGGERS:
        rows = list(
            Activity.objects.filter(pk__gt=journey.cursor, type=ACTIVITY_TRIGGERS[kind])
            .order_by("pk")
            .values_list("pk", "contact_id", "payload")[: limit * 4]
        )
        if not rows:
            return 0
        ids = [contact_id for _pk, contact_id, payload in rows if _activity_matches(journey, payload or {})]
        added = _enrol(journey, ids, now=now)
        Journey.objects.filter(pk=journey.pk).update(cursor=rows[-1][0])
        journey.cursor = rows[-1][0]
        return added
    if kind == "date_field":
        by_year: dict[str, list[int]] = defaultdict(list)
        for pk, year in _date_candidates(journey, now):
            by_year[year].append(pk)
        return sum(_enrol(journey, ids, now=now, entry_key=year) for year, ids in by_year.items())
    return 0


def activity_cursor_start(journey: Journey) -> None:
    """Activity triggers react to what happens after the first activation."""
    from crm.models import Activity

    if journey.trigger.get("type") in ACTIVITY_TRIGGERS and journey.cursor == 0:
        last = Activity.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        Journey.objects.filter(pk=journey.pk).update(cursor=last)
        journey.cursor = last


# --- advancing ----------------------------------------------------------------------------------------


def _contacts(rows) -> dict[int, dict]:
    from crm.models import Contact

    contacts = {}
    for values in Contact.objects.filter(pk__in={row.contact_id for row in rows}).values(*CONTACT_FIELDS):
        values["label"] = f"{values['first_name']} {values['last_name']}".strip() or values["email"] or values["phone"]
        contacts[values["pk"]] = values
    return contacts


def _leaving(journey: Journey, rows, contacts: dict[int, dict]) -> dict[int, str]:
    """enrollment id → why it leaves now (goal reached, unsubscribed, contact gone)."""
    from emails.models import Suppression

    emails = {c["email"] for c in contacts.values() if c["email"]}
    unsubscribed = set(
        Suppression.objects.filter(email__in=emails, reason__in=LEAVING_REASONS).values_list("email", flat=True)
    )
    goal = journey.goal or {}
    reasons = {}
    for row in rows:
        contact = contacts.get(row.contact_id)
        if contact is None:
            reasons[row.pk] = "contact_deleted"
        elif (goal.get("tag") and goal["tag"] in (contact["tags"] or [])) or (
            goal.get("stage") and contact["stage"] == goal["stage"]
        ):
            reasons[row.pk] = "goal"
        elif contact["email"] and contact["email"] in unsubscribed:
            reasons[row.pk] = "unsubscribed"
    return reasons


def _apply(journey: Journey, moves: list[step_handlers.Move], now: datetime) -> tuple[int, int]:
    """Write the runs and the moves. Returns (completed, exited)."""
    runs = [
        StepRun(
            workspace_id=journey.workspace_id,
            journey_id=journey.pk,
            enrollment_id=move.enrollment_id,
            step_id=move.step_id,
            outcome=move.outcome,
            detail=move.detail[:200],
        )
        for move in moves
        if move.outcome is not None
    ]
    StepRun.objects.bulk_create(runs, batch_size=1000)  # a duplicate raises: the batch rolls back
    groups: dict[tuple, list[int]] = defaultdict(list)
    completed = exited = 0
    for move in moves:
        if move.exit_reason:
            groups[("exit", move.exit_reason, None)].append(move.enrollment_id)
            exited += 1
        elif move.outcome is None and move.due_at is not None:
            groups[("stay", "", move.due_at)].append(move.enrollment_id)
        elif not move.next_id:
            groups[("done", "", None)].append(move.enrollment_id)
            completed += 1
        else:
            groups[("next", move.next_id, move.due_at)].append(move.enrollment_id)
    for (what, value, due_at), ids in groups.items():
        queryset = Enrollment.objects.filter(pk__in=ids)
        if what == "exit":
            queryset.update(status=E.EXITED, exit_reason=value, finished_at=now, due_at=None, updated_at=now)
        elif what == "done":
            queryset.update(status=E.COMPLETED, step_id="", finished_at=now, due_at=None, updated_at=now)
        elif what == "stay":
            queryset.update(due_at=due_at, updated_at=now)
        else:
            queryset.update(step_id=value, due_at=due_at, step_entered_at=due_at, updated_at=now)
    if completed or exited:
        Journey.objects.filter(pk=journey.pk).update(
            count_completed=F("count_completed") + completed, count_exited=F("count_exited") + exited
        )
    return completed, exited


def advance_batch(journey: Journey, *, now: datetime | None = None) -> int:
    """One batch (see the module docstring). Returns how many enrollments it moved."""
    now = now or timezone.now()
    nodes = compile_steps(journey.steps)
    with transaction.atomic():
        rows = list(
            Enrollment.objects.select_for_update(skip_locked=True)
            .filter(journey_id=journey.pk, status=E.ACTIVE, due_at__lte=now)
            .order_by("due_at", "pk")
            .only("pk", "contact_id", "step_id", "step_entered_at", "created_at")[: batch_size()]
        )
        if not rows:
            return 0
        contacts = _contacts(rows)
        leaving = _leaving(journey, rows, contacts)
        moves: list[step_handlers.Move] = []
        by_step: dict[str, list] = defaultdict(list)
        for row in rows:
            if row.pk in leaving:
                moves.append(step_handlers.Move(row.pk, None, exit_reason=leaving[row.pk]))
            elif not row.step_id:
                moves.append(step_handlers.Move(row.pk, None))  # nothing left to run: completes
            elif row.step_id not in nodes:
                moves.append(step_handlers.Move(row.pk, None, exit_reason="step_removed"))
            else:
                by_step[row.step_id].append(row)
        for step_id, group in by_step.items():
            node = nodes[step_id]
            if node.step["type"] == "branch":
                made = step_handlers.run_branch(journey, node, group, contacts, now, nodes=nodes)
            else:
                made = step_handlers.HANDLERS[node.step["type"]](journey, node, group, contacts, now)
            for move in made:
                move.step_id = step_id
            moves.extend(made)
        _apply(journey, moves, now)
    return len(rows)


def advance(
    journey: Journey, *, now: datetime | None = None, budget_seconds: float = 20.0, max_batches: int = 50
) -> int:
    """Batches until nothing is due, the time budget is spent or `max_batches`."""
    started = time.monotonic()
    moved = 0
    for _round in range(max_batches):
        count = advance_batch(journey, now=now or timezone.now())
        moved += count
        if count == 0 or time.monotonic() - started > budget_seconds:
            break
    return moved


def journey_run(*, journey_id: int, now: datetime | None = None) -> dict:
    """The beat's work for one journey: enrol, then advance."""
    journey = Journey.objects.select_related("workspace").filter(pk=journey_id).first()
    if journey is None or journey.status != Journey.Status.ACTIVE:
        return {"enrolled": 0, "moved": 0}
    enrolled = 0
    for _round in range(10):
        added = enrol(journey, now=now)
        enrolled += added
        if added < batch_size() // 2 or (journey.trigger.get("type") in MEMBER_TRIGGERS and not journey.cursor):
            break  # caught up, or the pass over the members reached its end
    return {"enrolled": enrolled, "moved": advance(journey, now=now)}
