"""Export to Markdown and JSON, and import of that JSON, on a real history file."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from app.core.history import HistoryImportError, HistoryNotFoundError, HistoryStore, Message


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HistoryStore]:
    s = HistoryStore.open(tmp_path / "history.sqlite3")
    yield s
    s.close()


def _conversation_with_branches(store: HistoryStore) -> int:
    conv = store.create_conversation(
        title="Sea poems",
        model_id="smollm2",
        system_prompt="You are a poet.\nKeep it short.",
        sampling={"temperature": 0.7, "top_k": 40},
    )
    user = store.add_message(conv.id, "user", "Write a poem about the sea.")
    first = store.start_reply(conv.id, user.id, "smollm2")
    store.finish_reply(
        first.id,
        "Waves roll in.",
        status="complete",
        prompt_tokens=20,
        generated_tokens=4,
        tokens_per_s=150.25,
        ttft_s=0.04,
        stop_reason="stop",
    )
    second = store.start_reply(conv.id, user.id, "qwen")  # regenerated with another model
    store.update_reply(second.id, "The tide is")
    store.recover_interrupted()  # as if Parley had been closed mid-reply
    follow = store.add_message(conv.id, "user", "Make it rhyme, 中文也可以。", parent_id=second.id)
    store.add_message(conv.id, "assistant", "", parent_id=follow.id, status="failed")
    store.set_pinned(conv.id, True)
    return conv.id


def _comparable(messages: list[Message]) -> list[tuple[Any, ...]]:
    """Everything that matters except the database ids, with parents as positions."""
    pos = {m.id: i for i, m in enumerate(messages)}
    return [
        (
            pos.get(m.parent_id) if m.parent_id is not None else None,
            m.role,
            m.text,
            m.created,
            m.model_id,
            m.status,
            m.prompt_tokens,
            m.generated_tokens,
            m.tokens_per_s,
            m.ttft_s,
            m.stop_reason,
        )
        for m in messages
    ]


def test_json_export_shape(store: HistoryStore) -> None:
    cid = _conversation_with_branches(store)
    data = store.export_json([cid])
    assert (data["format"], data["version"]) == ("parley-history", 1)
    json.dumps(data)  # plain JSON values only
    (conv,) = data["conversations"]
    assert (conv["title"], conv["model"], conv["pinned"]) == ("Sea poems", "smollm2", True)
    assert conv["sampling"] == {"temperature": 0.7, "top_k": 40}
    assert datetime.fromisoformat(conv["created"]).utcoffset() is not None
    msgs = conv["messages"]
    assert [m["role"] for m in msgs] == ["user", "assistant", "assistant", "user", "assistant"]
    assert msgs[1]["parent"] == msgs[0]["id"] and msgs[2]["parent"] == msgs[0]["id"]
    assert [m["interrupted"] for m in msgs] == [False, False, True, False, False]
    assert msgs[1]["model"] == "smollm2" and msgs[2]["model"] == "qwen"
    assert msgs[1]["tokens_per_s"] == 150.25
    assert msgs[4]["status"] == "failed"
    assert conv["active_leaf"] == msgs[4]["id"]
    for m in msgs:
        assert datetime.fromisoformat(m["created"]).utcoffset() is not None


def test_markdown_export_is_readable(store: HistoryStore) -> None:
    cid = _conversation_with_branches(store)
    md = store.export_markdown([cid])
    assert md.startswith("# Sea poems\n")
    assert "- Model: smollm2" in md
    assert "> You are a poet.\n> Keep it short." in md
    # The active branch, in order, with roles, models and the interrupted marker.
    order = [
        "### User",
        "Write a poem about the sea.",
        "### Assistant (qwen)",
        "The tide is",
        "**Interrupted:**",
        "### User",
        "Make it rhyme, 中文也可以。",
        "**Failed:**",
    ]
    positions = [md.index(part, md.index(order[i - 1]) if i else 0) for i, part in enumerate(order)]
    assert positions == sorted(positions)
    assert "Waves roll in." not in md  # the other version is in the JSON export
    assert "1 message(s) on other branches are not shown" in md
    stamp = store.thread(cid)[0].created.astimezone().strftime("%Y-%m-%d %H:%M")
    assert stamp in md


def test_export_all_skips_the_bin_and_names_missing_ids(store: HistoryStore) -> None:
    keep = store.create_conversation(title="Keep me")
    gone = store.create_conversation(title="Binned")
    store.delete_conversation(gone.id)
    assert [c["title"] for c in store.export_json()["conversations"]] == ["Keep me"]
    md = store.export_markdown()
    assert "# Keep me" in md and "Binned" not in md
    assert "Untitled conversation" in store.export_markdown([store.create_conversation().id])
    with pytest.raises(HistoryNotFoundError, match="777"):
        store.export_json([keep.id, 777])


def test_round_trip_preserves_everything(store: HistoryStore, tmp_path: Path) -> None:
    cid = _conversation_with_branches(store)
    original = store.get_conversation(cid)
    exported = json.loads(json.dumps(store.export_json([cid])))  # through real JSON text

    with HistoryStore.open(tmp_path / "other.sqlite3") as other:
        (new_id,) = other.import_json(exported)
        copy_ = other.get_conversation(new_id)
        assert copy_ is not None and original is not None
        for field in ("title", "created", "updated", "model_id", "system_prompt", "sampling"):
            assert getattr(copy_, field) == getattr(original, field), field
        assert copy_.pinned and copy_.message_count == 5
        assert _comparable(other.all_messages(new_id)) == _comparable(store.all_messages(cid))
        assert [m.text for m in other.thread(new_id)] == [m.text for m in store.thread(cid)]
        assert other.thread(new_id)[1].interrupted
        # Branches still work on the copy, and the copy is searchable.
        assert len(other.siblings(other.thread(new_id)[1].id)) == 2
        assert other.search("rhyme")[0].conversation_id == new_id
        # The export of the copy equals the original export, ids aside.
        again = other.export_json([new_id])["conversations"][0]
        first = exported["conversations"][0]
        for key in ("title", "created", "updated", "model", "system_prompt", "sampling"):
            assert again[key] == first[key]


def test_importing_twice_adds_copies(store: HistoryStore) -> None:
    cid = _conversation_with_branches(store)
    data = store.export_json([cid])
    first = store.import_json(data)
    second = store.import_json(data)
    assert len(first) == len(second) == 1
    assert len({cid, *first, *second}) == 3
    assert len(store.list_conversations()) == 3
    assert [m.text for m in store.thread(cid)] == [m.text for m in store.thread(second[0])]


def test_import_hand_written_file_without_ids(store: HistoryStore) -> None:
    data = {
        "format": "parley-history",
        "version": 1,
        "conversations": [
            {
                "title": "Typed by hand",
                "messages": [
                    {"role": "user", "text": "Hi", "created": "2024-01-02T03:04:05Z"},
                    {"role": "assistant", "text": "Hello!", "interrupted": True},
                ],
            }
        ],
    }
    (cid,) = store.import_json(data)
    thread = store.thread(cid)
    assert [(m.role, m.text, m.status) for m in thread] == [
        ("user", "Hi", "complete"),
        ("assistant", "Hello!", "interrupted"),
    ]
    assert thread[1].parent_id == thread[0].id
    assert thread[0].created.isoformat() == "2024-01-02T03:04:05+00:00"


def _valid() -> dict[str, Any]:
    return {
        "format": "parley-history",
        "version": 1,
        "conversations": [
            {
                "title": "ok",
                "messages": [
                    {"id": 1, "parent": None, "role": "user", "text": "a"},
                    {"id": 2, "parent": 1, "role": "assistant", "text": "b"},
                ],
            }
        ],
    }


def _broken(path: str, value: object) -> dict[str, Any]:
    data = _valid()
    target: Any = data
    keys = path.split(".")
    for key in keys[:-1]:
        target = target[int(key)] if key.isdigit() else target[key]
    last = keys[-1]
    if value is _DELETE:
        del target[int(last) if last.isdigit() else last]
    else:
        target[int(last) if last.isdigit() else last] = value
    return data


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("format", "something-else", "not a Parley history export"),
        ("version", 2, "newer version of Parley"),
        ("version", "1", "'version' must be 1"),
        ("conversations", {}, "'conversations' must be a list"),
        ("conversations.0", "text", "conversation 1: must be a JSON object"),
        ("conversations.0.messages", "x", "conversation 1: 'messages' must be a list"),
        ("conversations.0.title", 5, "conversation 1: 'title' must be text"),
        ("conversations.0.sampling", [1], "'sampling' must be a JSON object"),
        ("conversations.0.pinned", "yes", "'pinned' must be true or false"),
        ("conversations.0.created", "yesterday", "'created' is not a valid date"),
        ("conversations.0.active_leaf", 9, "'active_leaf' 9 is not one of its messages"),
        ("conversations.0.messages.1.role", "robot", "message 2: 'role' must be one of"),
        ("conversations.0.messages.1.parent", 2, "message 2: 'parent' 2 is not an earlier"),
        ("conversations.0.messages.1.parent", 7, "'parent' 7 is not an earlier message"),
        ("conversations.0.messages.1.id", 1, "the id 1 is used twice"),
        ("conversations.0.messages.1.id", _DELETE, "message 2: 'id' is missing"),
        ("conversations.0.messages.1.text", _DELETE, "message 2: 'text' is missing"),
        ("conversations.0.messages.1.text", None, "message 2: 'text' is missing"),
        ("conversations.0.messages.1.status", "done", "'status' 'done' is not known"),
        ("conversations.0.messages.1.generated_tokens", -1, "'generated_tokens' must be"),
        ("conversations.0.messages.1.tokens_per_s", "fast", "'tokens_per_s' must be a number"),
        ("conversations.0.messages.1.interrupted", "no", "'interrupted' must be true or false"),
        ("conversations.0.messages.1.created", 1700000000, "'created' must be an ISO-8601"),
        ("conversations.0.messages.0", [], "message 1: must be a JSON object"),
    ],
)
def test_import_rejects_bad_input_clearly(
    store: HistoryStore, path: str, value: object, expected: str
) -> None:
    before = store.list_conversations()
    with pytest.raises(HistoryImportError) as err:
        store.import_json(_broken(path, value))
    assert expected in err.value.message
    assert isinstance(err.value, ValueError)
    assert store.list_conversations() == before  # nothing half-imported


def test_import_is_all_or_nothing(store: HistoryStore) -> None:
    data = _valid()
    bad = copy.deepcopy(data["conversations"][0])
    bad["messages"][1]["role"] = "narrator"
    data["conversations"] = [data["conversations"][0], bad]
    with pytest.raises(HistoryImportError, match="conversation 2: message 2"):
        store.import_json(data)
    assert store.list_conversations() == []
    with pytest.raises(HistoryImportError, match="JSON object"):
        store.import_json([1, 2])  # type: ignore[arg-type]
