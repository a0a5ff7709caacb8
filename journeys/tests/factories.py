"""Journey test rows and the route walk's `TENANT_FACTORIES`."""

from __future__ import annotations

import itertools

from crm.tests.factories import make_contact
from journeys.models import Enrollment, Journey, StepRun

_sequence = itertools.count(1)


def make_journey(workspace, **fields) -> Journey:
    n = next(_sequence)
    values = {
        "name": f"Journey {n} of {workspace.slug}",
        "trigger": {"type": "tag_added", "tag": f"vip{n}", "existing": False},
        "steps": [{"id": "s1", "type": "wait", "minutes": 5}, {"id": "s2", "type": "add_tag", "tag": "done"}],
        "next_step_number": 3,
        **fields,
    }
    return Journey.unscoped.create(workspace=workspace, **values)


def make_enrollment(workspace, journey: Journey | None = None, **fields) -> Enrollment:
    journey = journey or make_journey(workspace)
    contact = fields.pop("contact", None) or make_contact(workspace)
    return Enrollment.unscoped.create(workspace=workspace, journey=journey, contact=contact, step_id="s1", **fields)


def make_step_run(workspace, **fields) -> StepRun:
    enrollment = make_enrollment(workspace)
    return StepRun.unscoped.create(
        workspace=workspace, journey=enrollment.journey, enrollment=enrollment, step_id="s1", **fields
    )


TENANT_FACTORIES = {Journey: make_journey, Enrollment: make_enrollment, StepRun: make_step_run}
