"""Knowledge → chunks, and the chunks that answer a question.

- `split_text()` cuts a text into chunks of about `CHUNK_CHARS` characters at
  paragraph, then sentence, then word boundaries, with their position.
- `search()` returns the agent's best chunks for a question:
  PostgreSQL — full-text search on `Chunk.search` (a tsvector in the agent's
  language configuration, `simple` for Hebrew), the question's words OR-ed
  into a tsquery, ranked by `ts_rank_cd`; when no word matches, trigram
  word similarity (pg_trgm, when the extension is installed) catches typos.
  Other databases (SQLite for `make run`) score in Python: accent- and
  case-folded word overlap with a crude prefix stem.
- A chunk scoring nothing is never returned: an empty result is what makes
  the agent say it does not know.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from django.db import OperationalError, connection, transaction

from agents.models import SEARCH_CONFIGS, Agent, Chunk, Knowledge
from nexusone.localcache import LocalTTLCache

logger = logging.getLogger(__name__)
CHUNK_CHARS = 700
MAX_CHUNKS_PER_ITEM = 2000
TOP_K = 4
_WORD = re.compile(r"\w+", re.UNICODE)
_SENTENCE = re.compile(r"(?<=[.!?؟。])\s+")
# Words too common to say anything about a question (all five languages).
_STOPWORD_TEXT = """a an and are as at be by can do does for from has have how i in is it its me my of on or our
    the this to we what when where which who why will with you your
    el la los las un una de del en y o que es por para con como cual cuando donde se su sus lo al
    o os as um uma de do da dos das em no na e ou que é por para com como qual quando onde se seu sua
    في من على إلى عن ما هل هو هي أن كيف متى أين و
    של את על מה איך מתי איפה הוא היא זה עם גם כי"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


@dataclass(frozen=True)
class Hit:
    chunk_id: int
    knowledge_id: int
    title: str
    text: str
    score: float


def fold(text: str) -> str:
    """Lower case without accents (Arabic diacritics too)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def terms(text: str, *, folded: bool = True) -> list[str]:
    """The question's content words (folded, or only lower-cased), at most 24, in order."""
    seen: list[str] = []
    for word in _WORD.findall(fold(text) if folded else text.casefold()):
        if len(word) < 2 or fold(word) in STOPWORDS or (word.isdigit() and len(word) < 3):
            continue
        if word not in seen:
            seen.append(word)
    return seen[:24]


def split_text(text: str, *, size: int = CHUNK_CHARS) -> list[str]:
    """Chunks of at most about `size` characters, keeping paragraphs and
    sentences together where they fit."""
    text = (text or "").replace("\r\n", "\n").strip()
    pieces: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        paragraph = " ".join(paragraph.split())
        if not paragraph:
            continue
        if len(paragraph) <= size:
            pieces.append(paragraph)
            continue
        for sentence in _SENTENCE.split(paragraph):
            while len(sentence) > size:
                cut = sentence.rfind(" ", 0, size)
                cut = cut if cut > size // 2 else size
                pieces.append(sentence[:cut].strip())
                sentence = sentence[cut:].strip()
            if sentence:
                pieces.append(sentence)
    chunks: list[str] = []
    for piece in pieces:
        if chunks and len(chunks[-1]) + 1 + len(piece) <= size and not _is_heading_break(chunks[-1], piece):
            chunks[-1] = f"{chunks[-1]}\n{piece}"
        else:
            chunks.append(piece)
    return chunks[:MAX_CHUNKS_PER_ITEM]


def _is_heading_break(previous: str, piece: str) -> bool:
    # A new FAQ question or Markdown heading starts a new chunk, so one answer is not diluted by the next.
    first_sentence = _SENTENCE.split(piece, maxsplit=1)[0]
    return piece.startswith("#") or first_sentence.rstrip().endswith(("?", "؟"))


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


@cache
def _has_trigram() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        return cursor.fetchone() is not None


def index_chunks(*, knowledge: Knowledge) -> None:
    """Fill the tsvector of the item's chunks (PostgreSQL only)."""
    if not is_postgresql():
        return
    config = SEARCH_CONFIGS.get(knowledge.agent.language, "simple")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE agents_chunk SET search = to_tsvector(%s::regconfig, text) WHERE knowledge_id = %s",
            [config, knowledge.pk],
        )


def reindex_agent(*, agent: Agent) -> None:
    """After the agent's language changed: every chunk in the new configuration."""
    if not is_postgresql():
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE agents_chunk SET search = to_tsvector(%s::regconfig, text) WHERE agent_id = %s",
            [agent.search_config, agent.pk],
        )


# Large knowledge bases (bench/agent_retrieval.py, docs/PERFORMANCE.md): a question made of
# words common in 100,000 chunks would match, fetch and rank most of them on every message.
# - An agent with at least BIG_AGENT chunks (`_search_big`) first looks for the chunks holding
#   every lexeme of the question, then ORs only the informative ones: those in under
#   COMMON_SHARE of all chunks by PostgreSQL's own statistics of the column
#   (pg_stats.most_common_elems, kept by ANALYZE; read once per process per 10 minutes), or the
#   rarest one when every lexeme is common; its trigram fallback has a TRIGRAM_BUDGET_MS budget.
#   Smaller agents search every word OR-ed, and AND-ed first when the cap is reached.
# - The matching chunks are ranked from at most CANDIDATES of them.
CANDIDATES = 250
TRIGRAM_BUDGET_MS = 40
BIG_AGENT = 1000
COMMON_SHARE = 0.05
SCAN_SHARE = 0.2
_STATS = LocalTTLCache(ttl=600, max_entries=10_000)

_SQL_FTS = """
WITH q AS (SELECT to_tsquery(%(config)s::regconfig, %(tsquery)s) AS query),
candidates AS (
    SELECT c.id, c.knowledge_id, c.text, c.search
    FROM agents_chunk c, q
    WHERE c.agent_id = %(agent)s AND c.workspace_id = %(workspace)s AND c.search @@ q.query
    LIMIT %(candidates)s
)
SELECT m.id, m.knowledge_id, k.title, m.text, ts_rank_cd(m.search, q.query) AS score, count(*) OVER () AS matched
FROM candidates m JOIN agents_knowledge k ON k.id = m.knowledge_id, q
ORDER BY score DESC, m.id
LIMIT %(limit)s
"""

_SQL_TRGM = """
SELECT c.id, c.knowledge_id, k.title, c.text, word_similarity(%(question)s, c.text) AS score
FROM agents_chunk c JOIN agents_knowledge k ON k.id = c.knowledge_id
WHERE c.agent_id = %(agent)s AND c.workspace_id = %(workspace)s AND %(question)s <%% c.text
ORDER BY score DESC, c.id
LIMIT %(limit)s
"""


_SQL_FTS_LEXEMES = _SQL_FTS.replace("to_tsquery(%(config)s::regconfig, %(tsquery)s)", "%(tsquery)s::tsquery")
# The same, walking the agent's chunks by their knowledge items (b-tree) instead of the GIN index:
# ts_match_vq() is the function behind @@, which the planner cannot answer from the GIN index.
_SQL_FTS_SCAN = _SQL_FTS_LEXEMES.replace(
    "WHERE c.agent_id = %(agent)s AND c.workspace_id = %(workspace)s AND c.search @@ q.query",
    "WHERE c.knowledge_id = ANY(%(knowledge)s) AND c.agent_id = %(agent)s AND c.workspace_id = %(workspace)s "
    "AND ts_match_vq(c.search, q.query)",
)
assert _SQL_FTS_SCAN != _SQL_FTS_LEXEMES


def _common_lexemes() -> dict[str, float]:
    """Lexeme → share of all chunks holding it, for the column's most common lexemes."""
    common = _STATS.get("common")
    if common is None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
                "WHERE schemaname = current_schema() AND tablename = 'agents_chunk' AND attname = 'search'"
            )
            row = cursor.fetchone()
        common = dict(zip(row[0], (float(f) for f in row[1]), strict=False)) if row and row[0] else {}
        _STATS.set("common", common)
    return common


def _knowledge(agent: Agent) -> tuple[int, list[int]]:
    """The agent's chunk count and knowledge item ids (read once per process per 10 minutes)."""
    known = _STATS.get(("knowledge", agent.pk))
    if known is None:
        rows = list(Knowledge.unscoped.filter(agent_id=agent.pk).values_list("pk", "chunk_count"))
        known = (sum(count for _pk, count in rows), [pk for pk, _count in rows])
        _STATS.set(("knowledge", agent.pk), known)
    return known


def _chunk_count(agent: Agent) -> int:
    return _knowledge(agent)[0]


def _lexeme_query(lexemes: list[str], operator: str = "|") -> str:
    quoted = ("'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'" for lexeme in lexemes)
    return f" {operator} ".join(quoted)


def _tsquery(words: list[str], operator: str = "|") -> str:
    # Each word quoted as a lexeme (no operators from the visitor), OR-ed (or AND-ed).
    return f" {operator} ".join("'" + word.replace("'", "") + "'" for word in words if word.replace("'", ""))


def _search_big(cursor, agent: Agent, words: list[str], fts: dict) -> list:
    """A large agent: chunks holding every lexeme of the question first, then the informative ones.

    EXPLAIN ANALYZE at 100,000 chunks (docs/PERFORMANCE.md): the cost of a query is the size of
    the posting lists it must OR together — a lexeme in 96 % of the chunks builds a 115,000-entry
    bitmap (20 ms) and walks thousands of heap pages for 250 arbitrary candidates — while an AND
    is driven by its rarest lexeme (GIN's fast scan skips through the common ones: 2–5 ms). So:
    1. AND of all the question's lexemes (a question taken from the FAQ finds its own chunk);
    2. when that gives fewer than `limit`, OR of the informative lexemes only (each in under
       COMMON_SHARE of the chunks: short posting lists), or of the single rarest one when every
       lexeme is common.
    """
    cursor.execute("SELECT tsvector_to_array(to_tsvector(%s::regconfig, %s))", [agent.search_config, " ".join(words)])
    lexemes = list(cursor.fetchone()[0] or [])
    if not lexemes:
        return []
    common = _common_lexemes()
    lexemes.sort(key=lambda lexeme: common.get(lexeme, 0.0))
    rows: list = []
    if len(lexemes) > 1:
        cursor.execute(_SQL_FTS_LEXEMES, {**fts, "tsquery": _lexeme_query(lexemes, "&")})
        rows = cursor.fetchall()
    if len(rows) < fts["limit"]:
        informative = [lexeme for lexeme in lexemes if common.get(lexeme, 0.0) < COMMON_SHARE]
        if informative or common.get(lexemes[0], 0.0) < SCAN_SHARE:
            cursor.execute(_SQL_FTS_LEXEMES, {**fts, "tsquery": _lexeme_query(informative or lexemes[:1])})
        else:
            # Every lexeme in at least SCAN_SHARE of the chunks: walking the agent's own rows finds
            # CANDIDATES holders after reading about CANDIDATES / share of them (1,250 at most),
            # where the GIN index would first build a bitmap of all of them (115,000 entries, 34 ms).
            _count, knowledge_ids = _knowledge(agent)
            cursor.execute(_SQL_FTS_SCAN, {**fts, "tsquery": _lexeme_query(lexemes[:1]), "knowledge": knowledge_ids})
        seen = {row[0] for row in rows}
        rows = (rows + [row for row in cursor.fetchall() if row[0] not in seen])[: fts["limit"]]
    return rows


def _search_postgresql(agent: Agent, question: str, words: list[str], limit: int) -> list[Hit]:
    params = {"agent": agent.pk, "workspace": agent.workspace_id, "limit": limit}
    rows: list = []
    with connection.cursor() as cursor:
        fts = {**params, "config": agent.search_config, "candidates": CANDIDATES}
        big = bool(words) and _chunk_count(agent) >= BIG_AGENT
        if big:
            rows = _search_big(cursor, agent, words, fts)
        elif words:
            cursor.execute(_SQL_FTS, {**fts, "tsquery": _tsquery(words)})
            rows = cursor.fetchall()
            if rows and rows[0][5] >= CANDIDATES and len(words) > 1:
                cursor.execute(_SQL_FTS, {**fts, "tsquery": _tsquery(words, "&")})
                every = cursor.fetchall()
                seen = {row[0] for row in every}
                rows = (every + [row for row in rows if row[0] not in seen])[:limit]
        if not rows and words and _has_trigram():
            rows = _search_trigram(cursor, {**params, "question": " ".join(words)}, big=big)
    return [Hit(chunk_id=r[0], knowledge_id=r[1], title=r[2], text=r[3], score=float(r[4])) for r in rows]


def _search_trigram(cursor, params: dict, *, big: bool) -> list:
    """Typos: trigram word similarity against the chunks' text. Over a large agent a question of
    common trigrams can take seconds (measured: 2 s at 100,000 chunks), so there it gets a time
    budget and, past it, no answer — the agent says it does not know — rather than a stalled reply."""
    if not big:
        cursor.execute(_SQL_TRGM, params)
        return [row for row in cursor.fetchall() if row[4] >= 0.5]
    try:
        with transaction.atomic():
            # Local to this transaction (or savepoint, when the caller holds one): put back before
            # leaving so the caller's later statements keep their own limit; a cancelled query rolls
            # the savepoint back, and the setting with it.
            cursor.execute("SELECT current_setting('statement_timeout')")
            previous = cursor.fetchone()[0]
            cursor.execute("SELECT set_config('statement_timeout', %s, true)", [f"{TRIGRAM_BUDGET_MS}ms"])
            cursor.execute(_SQL_TRGM, params)
            rows = [row for row in cursor.fetchall() if row[4] >= 0.5]
            cursor.execute("SELECT set_config('statement_timeout', %s, true)", [previous])
            return rows
    except OperationalError:  # QueryCanceled: over the budget
        logger.info("agents: trigram fallback over its %s ms budget", TRIGRAM_BUDGET_MS)
        return []


def _stem(word: str) -> str:
    return word[:5] if len(word) > 5 else word


def _matches(word: str, stems: set[str], tokens: set[str]) -> bool:
    """The word, its 5-letter stem, or a longer token starting with it (park → parking)."""
    if _stem(word) in stems:
        return True
    return len(word) >= 4 and any(token.startswith(word) for token in tokens)


def score_text(words: list[str], text: str) -> float:
    """Share of the question's words found in `text` (prefix-stemmed)."""
    if not words:
        return 0.0
    tokens = set(_WORD.findall(fold(text)))
    stems = {_stem(token) for token in tokens}
    return sum(1 for word in words if _matches(word, stems, tokens)) / len(words)


def _search_python(agent: Agent, words: list[str], limit: int) -> list[Hit]:
    hits = []
    chunks = (
        Chunk.objects.filter(agent=agent)
        .select_related("knowledge")
        .only("id", "knowledge_id", "text", "knowledge__title")
    )
    for chunk in chunks.iterator(chunk_size=500):
        score = score_text(words, chunk.text)
        if score > 0:
            hits.append(Hit(chunk.pk, chunk.knowledge_id, chunk.knowledge.title, chunk.text, score))
    hits.sort(key=lambda hit: (-hit.score, hit.chunk_id))
    return hits[:limit]


def search(*, agent: Agent, question: str, limit: int = TOP_K) -> list[Hit]:
    """The agent's chunks that best answer `question`, best first (maybe none)."""
    words = terms(question)
    if not words:
        return []
    if is_postgresql():
        return _search_postgresql(agent, question, terms(question, folded=False), limit)
    return _search_python(agent, words, limit)
