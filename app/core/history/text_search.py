"""Full-text search over titles and messages (FTS5 trigram index, kept in step by triggers).

Query parsing and snippets are in :mod:`.search`; this is the SQL, bounded so that a very
broad query on a large history still answers quickly.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from app.core.history.base import StoreBase
from app.core.history.records import SearchHit
from app.core.history.search import make_snippet, parse_query

# Search ranks the newest this-many matching messages (see SearchMixin.search()).
RANK_WINDOW = 5_000


class SearchMixin(StoreBase):
    """Search of the history store."""

    def search(self, query: str, limit: int = 50) -> list[SearchHit]:
        """Titles first, then messages, best match first; any input is safe to pass.

        Every space-separated term (or "quoted phrase") must occur, case-insensitively, as a
        part of a word or across words. Conversations in the bin are left out. Messages are
        ranked by BM25 among the newest 5,000 that match, which bounds the time of a very
        broad query; queries of only one- or two-character terms are listed newest first.
        """
        parsed = parse_query(query)
        if not parsed.terms or limit <= 0:
            return []
        likes = {f"like{i}": pattern for i, pattern in enumerate(parsed.like)}
        hits: list[SearchHit] = []
        with self._reading() as s:
            title_like = "".join(f" AND c.title LIKE :{k} ESCAPE '\\'" for k in likes)
            text_like = "".join(f" AND m.text LIKE :{k} ESCAPE '\\'" for k in likes)
            if parsed.match:
                title_sql = (
                    "SELECT c.id, c.title FROM conversations_fts "
                    "JOIN conversations c ON c.id = conversations_fts.rowid "
                    "WHERE conversations_fts MATCH :match AND c.deleted_at IS NULL"
                    f"{title_like} ORDER BY conversations_fts.rank, c.id DESC LIMIT :limit"
                )
                # Rank (BM25) only the newest RANK_WINDOW matches: scoring costs about 3 µs a
                # row, so a query matching most of a 100,000-message history would otherwise
                # take 150 ms+. Walking the index newest-first is nearly free.
                text_sql = (
                    "WITH candidates AS ("
                    " SELECT rowid AS id, bm25(messages_fts) AS score FROM messages_fts"
                    " WHERE messages_fts MATCH :match ORDER BY rowid DESC LIMIT :window) "
                    "SELECT m.id, m.conversation_id, m.role, m.text, c.title FROM candidates "
                    "JOIN messages m ON m.id = candidates.id "
                    "JOIN conversations c ON c.id = m.conversation_id "
                    f"WHERE c.deleted_at IS NULL{text_like} "
                    "ORDER BY candidates.score, m.id DESC LIMIT :limit"
                )
            else:
                # Only short terms: the trigram index cannot help. Scan newest first and stop
                # at the limit (the bin is excluded with NOT IN so the scan order stays).
                title_sql = (
                    "SELECT c.id, c.title FROM conversations c WHERE c.deleted_at IS NULL"
                    f"{title_like} ORDER BY c.updated_at DESC LIMIT :limit"
                )
                text_sql = (
                    "SELECT m.id, m.conversation_id, m.role, m.text, c.title FROM messages m "
                    "JOIN conversations c ON c.id = m.conversation_id "
                    "WHERE m.conversation_id NOT IN "
                    f"(SELECT id FROM conversations WHERE deleted_at IS NOT NULL){text_like} "
                    "ORDER BY m.id DESC LIMIT :limit"
                )
            params: dict[str, Any] = {
                "match": parsed.match,
                "limit": limit,
                "window": RANK_WINDOW,
                **likes,
            }
            for cid, title in s.execute(text(title_sql), params):
                hits.append(SearchHit(cid, 0, title, "", make_snippet(title, parsed.terms)))
            params["limit"] = limit - len(hits)
            if params["limit"] > 0:
                for mid, cid, role, body, title in s.execute(text(text_sql), params):
                    hits.append(SearchHit(cid, mid, title, role, make_snippet(body, parsed.terms)))
        return hits
