"""Full-text search over a real SQLite file: the FTS5 index follows every change."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.history import HistoryStore, SearchHit
from app.core.history.search import make_snippet, parse_query


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HistoryStore]:
    s = HistoryStore.open(tmp_path / "history.sqlite3")
    yield s
    s.close()


def _ids(hits: list[SearchHit]) -> list[int]:
    return [h.message_id for h in hits]


def test_finds_messages_with_marked_snippets(store: HistoryStore) -> None:
    conv = store.create_conversation(title="Cooking")
    user = store.add_message(conv.id, "user", "How long should I boil an egg?")
    reply = store.add_message(
        conv.id, "assistant", "Boil the EGG for seven minutes.", parent_id=user.id
    )
    store.add_message(conv.id, "user", "Thanks, that was great", parent_id=reply.id)

    hits = store.search("egg")
    assert sorted(_ids(hits)) == sorted([user.id, reply.id])
    by_id = {h.message_id: h for h in hits}
    assert by_id[reply.id].snippet == "Boil the \x02EGG\x03 for seven minutes."
    assert (by_id[reply.id].role, by_id[reply.id].title, by_id[reply.id].conversation_id) == (
        "assistant",
        "Cooking",
        conv.id,
    )
    # Every term must occur; terms are substrings (part of a word is enough).
    assert _ids(store.search("boil minutes")) == [reply.id]
    assert _ids(store.search("minut")) == [reply.id]
    assert store.search("boil pasta") == []


def test_ranks_better_matches_first(store: HistoryStore) -> None:
    conv = store.create_conversation(title="r")
    weak = store.add_message(conv.id, "user", "A long text " + "filler words " * 40 + "llama")
    strong = store.add_message(conv.id, "user", "llama llama llama", parent_id=weak.id)
    assert _ids(store.search("llama")) == [strong.id, weak.id]


def test_titles_are_searched_and_listed_first(store: HistoryStore) -> None:
    conv = store.create_conversation(title="Holiday in Portugal")
    msg = store.add_message(conv.id, "user", "Which beaches in Portugal are quiet?")
    hits = store.search("portugal")
    assert hits[0].is_title_hit
    assert (hits[0].conversation_id, hits[0].message_id, hits[0].role) == (conv.id, 0, "")
    assert hits[0].snippet == "Holiday in \x02Portugal\x03"
    assert _ids(hits[1:]) == [msg.id]

    store.rename_conversation(conv.id, "Beach trip")
    assert [h.is_title_hit for h in store.search("portugal")] == [False]
    assert store.search("beach trip")[0].is_title_hit


def test_index_follows_updates_and_deletes(store: HistoryStore) -> None:
    conv = store.create_conversation(title="c")
    user = store.add_message(conv.id, "user", "Tell me about volcanoes")
    reply = store.start_reply(conv.id, user.id, "m")
    store.update_reply(reply.id, "Volcanoes erupt magma")
    assert reply.id in _ids(store.search("magma"))
    store.finish_reply(reply.id, "Volcanoes release lava", status="complete")
    assert store.search("magma") == []
    assert _ids(store.search("lava")) == [reply.id]
    store.delete_message(reply.id)
    assert store.search("lava") == []
    assert _ids(store.search("volcano")) == [user.id]
    # The index and its content table still agree after all that.
    assert store.check_integrity() == []


def test_deleted_conversations_are_not_found(store: HistoryStore) -> None:
    conv = store.create_conversation(title="Secret plans")
    store.add_message(conv.id, "user", "the hidden treasure is under the oak")
    store.delete_conversation(conv.id)
    assert store.search("treasure") == []
    assert store.search("secret") == []
    assert store.search("oa") == []  # the short-term path filters the bin too
    store.restore_conversation(conv.id)
    assert len(store.search("treasure")) == 1
    store.delete_conversation(conv.id)
    store.purge_deleted()
    assert store.search("treasure") == []
    assert store.check_integrity() == []


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '""',
        '"unbalanced',
        "a AND OR NOT b",
        "NEAR(one two)",
        "col:value",
        "*",
        "-minus",
        "^start",
        "(((",
        "'; DROP TABLE messages; --",
        "%_\\",
        "\x00\x02\x03",
        "   ",
        "",
        "🦙🦙🦙",
        "x" * 10_000,
        " ".join(f"w{i}" for i in range(500)),
    ],
)
def test_any_input_is_safe(store: HistoryStore, query: str) -> None:
    conv = store.create_conversation(title="t")
    store.add_message(conv.id, "user", 'Plain text with NEAR(one two) and a "quote" and 50%_off')
    hits = store.search(query)
    assert isinstance(hits, list)
    # The store is still usable and its index intact.
    assert len(store.search("plain")) == 1
    assert store.check_integrity() == []


def test_operators_and_quotes_are_literal_text(store: HistoryStore) -> None:
    conv = store.create_conversation(title="t")
    quote = store.add_message(conv.id, "user", 'He said "NEAR(one two)" loudly')
    percent = store.add_message(conv.id, "user", "50%_off today and tomorrow", parent_id=quote.id)
    other = store.add_message(conv.id, "user", "500 off, five_hundred", parent_id=percent.id)
    assert _ids(store.search("NEAR(one")) == [quote.id]
    assert _ids(store.search('"one two)"')) == [quote.id]
    assert _ids(store.search('said "NEAR')) == [quote.id]
    # % and _ are not wildcards, on the index path or the short-term path.
    assert _ids(store.search("0%_")) == [percent.id]
    assert _ids(store.search("%_")) == [percent.id]
    assert other.id not in _ids(store.search("%"))
    assert _ids(store.search("AND")) == [percent.id]  # an operator word is just a word
    assert _ids(store.search("OR")) == [percent.id]  # ... also on the short-term path


def test_chinese_and_other_scripts(store: HistoryStore) -> None:
    conv = store.create_conversation(title="翻译测试")
    zh = store.add_message(
        conv.id, "user", "请把这段文字翻译成英文，谢谢。我们今天讨论模型的质量。"
    )
    ja = store.add_message(conv.id, "user", "東京の天気はどうですか", parent_id=zh.id)
    ru = store.add_message(
        conv.id, "user", "Привет, как дела? Сегодня ХОРОШАЯ погода", parent_id=ja.id
    )

    # Words inside a sentence without spaces: the trigram index finds them.
    assert _ids(store.search("讨论模型")) == [zh.id]
    assert "\x02讨论模型\x03" in store.search("讨论模型")[0].snippet
    # Two-character words go through the short-term path.
    assert _ids(store.search("模型")) == [zh.id]
    assert _ids(store.search("天気")) == [ja.id]
    assert store.search("翻译")[0].is_title_hit
    # Mixed long and short terms.
    assert _ids(store.search("今天讨论 质量")) == [zh.id]
    # Case-insensitive beyond ASCII.
    assert _ids(store.search("хорошая")) == [ru.id]
    assert store.search("模型 東京") == []


def test_limit(store: HistoryStore) -> None:
    conv = store.create_conversation(title="many")
    leaf = None
    for i in range(30):
        leaf = store.add_message(conv.id, "user", f"repeat item {i}", parent_id=leaf).id
    assert len(store.search("repeat", limit=10)) == 10
    assert len(store.search("repeat")) == 30
    assert len(store.search("it", limit=5)) == 5
    assert store.search("repeat", limit=0) == []


def test_parse_query_quotes_everything() -> None:
    parsed = parse_query('hello "big world" a" NEAR( hello')
    assert parsed.terms == ("hello", "big world", "a", "NEAR(")
    assert parsed.match == '"hello" AND "big world" AND "NEAR("'
    assert parsed.like == ("%a%",)
    assert parse_query('say "x""y"').match == '"say"'
    assert parse_query('quote"inside').match == '"quote""inside"'


def test_snippet_window_and_markers() -> None:
    text = "intro " * 50 + "the needle is here " + "outro " * 50
    snippet = make_snippet(text, ("needle",))
    assert snippet.startswith("…") and snippet.endswith("…")
    assert "\x02needle\x03" in snippet
    assert len(snippet) < 200
    assert make_snippet("a\x02b\x03c", ("b",)) == "a\x02b\x03c"
    assert make_snippet("line one\n\nline two", ("two",)) == "line one line \x02two\x03"
