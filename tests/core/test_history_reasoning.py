"""A reasoning model's thinking in the history: kept apart, exported, imported, never sent."""

from __future__ import annotations

import json
from pathlib import Path

from app.core.chat import chat_messages
from app.core.history import HistoryStore


def _conversation(store: HistoryStore) -> int:
    conv = store.create_conversation(model_id="qwen3-1.7b", system_prompt="Be brief.")
    user = store.add_message(conv.id, "user", "What is 2+2?")
    reply = store.start_reply(conv.id, user.id, "qwen3-1.7b")
    store.finish_reply(
        reply.id,
        "4.",
        status="complete",
        reasoning="The user asks for 2+2. That is 4.",
        reasoning_s=12.4,
    )
    return conv.id


def test_reasoning_round_trips_through_json_export_and_import(tmp_path: Path) -> None:
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        cid = _conversation(store)
        data = json.loads(json.dumps(store.export_json([cid])))
        exported = data["conversations"][0]["messages"][-1]
        assert exported["reasoning"] == "The user asks for 2+2. That is 4."
        assert exported["reasoning_s"] == 12.4
        assert exported["text"] == "4."
        (new_id,) = store.import_json(data)
        copy = store.thread(new_id)[-1]
        assert (copy.text, copy.reasoning, copy.reasoning_s) == (
            "4.",
            "The user asks for 2+2. That is 4.",
            12.4,
        )
        # An export from before reasoning existed imports with none.
        del data["conversations"][0]["messages"][-1]["reasoning"]
        del data["conversations"][0]["messages"][-1]["reasoning_s"]
        (older,) = store.import_json(data)
        assert store.thread(older)[-1].reasoning == ""


def test_markdown_export_shows_reasoning_collapsed(tmp_path: Path) -> None:
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        cid = _conversation(store)
        text = store.export_markdown([cid])
    block = text.index("<details>")
    assert "<summary>Thought for 12 s</summary>" in text
    assert text.index("The user asks for 2+2") > block
    assert text.index("4.", text.index("</details>")) > block


def test_reasoning_is_never_sent_back_to_the_model(tmp_path: Path) -> None:
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        cid = _conversation(store)
        thread = store.thread(cid)
        conv = store.get_conversation(cid)
    assert conv is not None
    sent, _ids = chat_messages(conv.system_prompt, thread)
    assert [m["content"] for m in sent] == ["Be brief.", "What is 2+2?", "4."]
    assert all("2+2. That is 4" not in m["content"] for m in sent)
