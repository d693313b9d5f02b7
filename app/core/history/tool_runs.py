"""Saved runs of the text tools (summarise, translate, sentiment), checkpointed like replies."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from app.core.history.base import StoreBase
from app.core.history.models import ToolRunRow
from app.core.history.records import MESSAGE_STATUSES, HistoryNotFoundError, ToolRun
from app.core.history.rows import json_object, rowcount, to_tool_run, utc_now


class ToolRunsMixin(StoreBase):
    """Tool runs of the history store."""

    def add_tool_run(
        self,
        tool: str,
        input_text: str,
        options: dict[str, Any],
        model_id: str,
        output: str,
        *,
        status: str = "complete",
        extra: dict[str, Any] | None = None,
    ) -> ToolRun:
        """Keep one summarise / translate / sentiment run. Use status "streaming" and
        :meth:`update_tool_run` to checkpoint a long one like a chat reply."""
        if not tool:
            raise ValueError("tool must be named")
        if status not in MESSAGE_STATUSES:
            raise ValueError(f"unknown status {status!r}")
        row = ToolRunRow(
            tool=tool,
            input_text=input_text,
            options=json_object(options, "options"),
            model_id=model_id,
            output=output,
            status=status,
            extra=json_object(extra or {}, "extra"),
            created_at=utc_now(),
        )
        with self._writing("save the result") as s:
            s.add(row)
            s.flush()
            return to_tool_run(row)

    def update_tool_run(
        self,
        rid: int,
        *,
        output: str | None = None,
        status: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> ToolRun:
        if status is not None and status not in MESSAGE_STATUSES:
            raise ValueError(f"unknown status {status!r}")
        if extra is not None:
            extra = json_object(extra, "extra")
        with self._writing("save the result") as s:
            row = s.get(ToolRunRow, rid)
            if row is None:
                raise HistoryNotFoundError(f"Result {rid} does not exist (any more).")
            if output is not None:
                row.output = output
            if status is not None:
                row.status = status
            if extra is not None:
                row.extra = extra
            s.flush()
            return to_tool_run(row)

    def list_tool_runs(self, tool: str, limit: int = 100) -> list[ToolRun]:
        """Newest first."""
        with self._reading() as s:
            rows = s.scalars(
                select(ToolRunRow)
                .where(ToolRunRow.tool == tool)
                .order_by(ToolRunRow.created_at.desc(), ToolRunRow.id.desc())
                .limit(limit)
            ).all()
            return [to_tool_run(r) for r in rows]

    def get_tool_run(self, rid: int) -> ToolRun | None:
        with self._reading() as s:
            row = s.get(ToolRunRow, rid)
            return to_tool_run(row) if row is not None else None

    def delete_tool_run(self, rid: int) -> None:
        with self._writing("delete the result") as s:
            n = rowcount(
                s.execute(
                    delete(ToolRunRow)
                    .where(ToolRunRow.id == rid)
                    .execution_options(synchronize_session=False)
                )
            )
            if n == 0:
                raise HistoryNotFoundError(f"Result {rid} does not exist (any more).")
