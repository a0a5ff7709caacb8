"""Retrieval in a large knowledge base (PostgreSQL): the question's common
lexemes are left out by the column's statistics, the ranking is capped, and
the chunk holding every informative word still comes first."""

from __future__ import annotations

import pytest
from django.db import connection

from agents import retrieval
from agents.models import Chunk, Knowledge
from agents.tests.factories import make_agent
from nexusone.tenancy import workspace_scope

pytestmark = pytest.mark.django_db


def test_a_large_agent_finds_the_rare_answer_among_common_words(world):
    workspace = world["A"].workspace
    agent = make_agent(workspace)
    filler = Knowledge.unscoped.create(workspace=workspace, agent=agent, title="Catalogue")
    answer = Knowledge.unscoped.create(workspace=workspace, agent=agent, title="Warranty")
    count = retrieval.BIG_AGENT + 200
    Chunk.unscoped.bulk_create(
        [Chunk(workspace=workspace, agent=agent, knowledge=filler, position=n,
               text=f"Our widget model {n} ships in a box with a manual and a cable.") for n in range(count)]
        + [Chunk(workspace=workspace, agent=agent, knowledge=answer, position=0,
                 text="Every widget has a warranty of two years against manufacturing defects.")]
    )  # fmt: skip
    Knowledge.unscoped.filter(pk=filler.pk).update(chunk_count=count)
    Knowledge.unscoped.filter(pk=answer.pk).update(chunk_count=1)
    retrieval.index_chunks(knowledge=filler)
    retrieval.index_chunks(knowledge=answer)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE agents_chunk")
    assert retrieval._common_lexemes().get("widget", 0) > retrieval.COMMON_SHARE

    with workspace_scope(workspace):
        hits = retrieval.search(agent=agent, question="How many years of warranty does the widget have?")
        assert hits[0].knowledge_id == answer.pk
        # one informative word among common ones: it alone is searched
        hits = retrieval.search(agent=agent, question="widget manual warranty")
        assert [hit.knowledge_id for hit in hits] == [answer.pk]
        # every word common: the chunks holding all of them
        hits = retrieval.search(agent=agent, question="widget manual")
        assert len(hits) == retrieval.TOP_K and {hit.knowledge_id for hit in hits} == {filler.pk}
