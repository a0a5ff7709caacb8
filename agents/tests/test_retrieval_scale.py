"""Retrieval in a large knowledge base (PostgreSQL): the question's common
lexemes are left out by the column's statistics, the ranking is capped, and
the chunk holding every informative word still comes first."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

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
        # one word in nearly every chunk: the agent's rows are walked, not the GIN index's huge bitmap
        with CaptureQueriesContext(connection) as queries:
            hits = retrieval.search(agent=agent, question="widget?")
        assert len(hits) == retrieval.TOP_K
        assert any("ts_match_vq" in query["sql"] for query in queries.captured_queries)


def test_the_trigram_fallback_of_a_large_agent_has_a_time_budget(monkeypatch):
    def timeout() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('statement_timeout')")
            return cursor.fetchone()[0]

    before = timeout()
    params = {"question": "garantia", "agent": 0, "workspace": 0, "limit": 4}
    # over the budget: no answer (the agent says it does not know), the transaction still usable
    monkeypatch.setattr(retrieval, "TRIGRAM_BUDGET_MS", 20)
    slow = "SELECT 1, 1, 't', 'x', 0.9::float FROM pg_sleep(0.3) WHERE %(question)s <> ''"
    monkeypatch.setattr(retrieval, "_SQL_TRGM", slow)
    with connection.cursor() as cursor:
        assert retrieval._search_trigram(cursor, params, big=True) == []
    assert timeout() == before
    # within it: the rows, and the caller's limit back in force
    monkeypatch.setattr(retrieval, "TRIGRAM_BUDGET_MS", 5000)
    with connection.cursor() as cursor:
        assert retrieval._search_trigram(cursor, params, big=True) == [(1, 1, "t", "x", 0.9)]
    assert timeout() == before
