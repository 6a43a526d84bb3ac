"""The AI routes of the Plate pages tool: the command stream and the copilot completion.

``POST /ai/command`` answers with the AI SDK v5 UI message stream, byte for byte: ``data:
<compact JSON>`` events separated by a blank line (``start``, ``data-toolName``, ``start-step``,
``text-start``, ``text-delta``..., ``text-end``, ``finish-step``, ``finish``) and ``data: [DONE]``,
under the stream's exact headers. ``POST /ai/copilot`` answers a generateText-like object with a
top-level ``text`` (what Plate's client reads) and ``steps`` (what the SDK's JSON holds); 408 with
``null`` when the client goes away first.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import string
from collections.abc import AsyncIterator, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from .plate_ai_providers import COPILOT_MAX_TOKENS, Prompt, Provider
from .plate_input import PlateError, bad, plain_text

LOG = logging.getLogger(__name__)
STREAM_HEADERS = {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    "connection": "keep-alive",
    "x-vercel-ai-ui-message-stream": "v1",
    "x-accel-buffering": "no",
}
TOOLS = ("generate", "edit")
ID_ALPHABET = string.ascii_letters + string.digits

Point = tuple[tuple[int, ...], int]


def event(chunk: Mapping[str, Any] | str) -> bytes:
    """Return one SSE event as the AI SDK writes it (compact JSON, blank line after)."""
    data = chunk if isinstance(chunk, str) else json.dumps(chunk, separators=(",", ":"))
    return f"data: {data}\n\n".encode()


def message_id() -> str:
    """Return a 16-character message id like the AI SDK's ``generateId``."""
    return "".join(secrets.choice(ID_ALPHABET) for _ in range(16))


# --- reading the request --------------------------------------------------------------------


def _point(field: str, value: Any) -> Point:
    path, offset = (value.get("path"), value.get("offset")) if isinstance(value, dict) else (0, 0)
    if not isinstance(path, list) or not all(type(i) is int and i >= 0 for i in path):
        raise bad(field, "must be {path: [numbers], offset: number}")
    if type(offset) is not int or offset < 0:
        raise bad(field, "offset must be a whole number from 0")
    return tuple(path), offset


def read_selection(value: Any) -> tuple[Point, Point] | None:
    """Return a Slate selection's points in document order, or None when there is none."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise bad("ctx.selection", "must be an object with anchor and focus, or null")
    anchor = _point("ctx.selection.anchor", value.get("anchor"))
    focus = _point("ctx.selection.focus", value.get("focus"))
    return (anchor, focus) if anchor <= focus else (focus, anchor)


def _leaves(node: Any, path: tuple[int, ...]) -> list[tuple[tuple[int, ...], str]]:
    if not isinstance(node, dict):
        return []
    if isinstance(node.get("text"), str):
        return [(path, node["text"])]
    children = node.get("children")
    if not isinstance(children, list):
        return []
    return [leaf for i, c in enumerate(children) for leaf in _leaves(c, (*path, i))]


def selected_text(children: list[Any], start: Point, end: Point) -> str:
    """Return the text between two points of a Slate value (blocks separated by newlines)."""
    pieces: list[str] = []
    last_block: int | None = None
    for index, block in enumerate(children):
        for path, text in _leaves(block, (index,)):
            lo = start[1] if path == start[0] else 0
            hi = end[1] if path == end[0] else len(text)
            if path < start[0] or path > end[0] or lo >= hi and text:
                continue
            if last_block is not None and index != last_block:
                pieces.append("\n")
            pieces.append(text[lo:hi])
            last_block = index
    return "".join(pieces)


def instruction(messages: Any) -> str:
    """Return the text of the last user message (its text parts joined)."""
    if not isinstance(messages, list) or not messages:
        raise bad("messages", "must be a non-empty array of {role, parts}")
    users = [m for m in messages if isinstance(m, dict) and m.get("role") == "user"]
    if not users:
        raise bad("messages", "has no message with role 'user'")
    parts = users[-1].get("parts")
    texts = [p.get("text") for p in parts if isinstance(p, dict)] if isinstance(parts, list) else []
    text = "".join(t for t in texts if isinstance(t, str) and parts)
    if not text.strip():
        raise bad("messages", "the last user message has no text part")
    return text


def choose_tool(value: Any, selection: tuple[Point, Point] | None) -> str:
    """Return the tool asked for, or ``edit`` for an expanded selection, else ``generate``."""
    if value is None:
        return "edit" if selection is not None and selection[0] != selection[1] else "generate"
    if value not in TOOLS:
        raise bad("ctx.toolName", f"must be one of {', '.join(TOOLS)}, or absent")
    return str(value)


def read_command(body: Mapping[str, Any]) -> Prompt:
    """Return the prompt of a ``POST /ai/command`` body."""
    ctx = body.get("ctx", {})
    if not isinstance(ctx, dict):
        raise bad("ctx", "must be an object {children, selection, toolName}")
    children = ctx.get("children", [])
    if not isinstance(children, list):
        raise bad("ctx.children", "must be an array of editor nodes")
    selection = read_selection(ctx.get("selection"))
    tool = choose_tool(ctx.get("toolName"), selection)
    chosen = selected_text(children, *selection) if selection else ""
    return Prompt(tool, instruction(body.get("messages")), plain_text(children), chosen)


# --- answering ------------------------------------------------------------------------------


async def command_events(provider: Provider, prompt: Prompt) -> AsyncIterator[bytes]:
    """Yield the UI message stream of one command."""
    yield event({"type": "start", "messageId": message_id()})
    yield event({"type": "data-toolName", "data": prompt.tool})
    yield event({"type": "start-step"})
    yield event({"type": "text-start", "id": "0"})
    try:
        async for delta in provider.stream(prompt):
            if delta:
                yield event({"type": "text-delta", "id": "0", "delta": delta})
    except Exception as exc:  # a model failure mid-stream is reported in-band, as the SDK does
        yield event({"type": "error", "errorText": f"{exc.__class__.__name__}: {exc}"})
        yield event("[DONE]")
        return
    yield event({"type": "text-end", "id": "0"})
    yield event({"type": "finish-step"})
    yield event({"type": "finish"})
    yield event("[DONE]")


def command_response(provider: Provider, body: Mapping[str, Any]) -> Response:
    """Return the streaming answer of ``POST /ai/command``."""
    prompt = read_command(body)
    return StreamingResponse(command_events(provider, prompt), headers=STREAM_HEADERS)


def read_copilot(body: Mapping[str, Any]) -> tuple[str, str]:
    """Return the system and prompt of a ``POST /ai/copilot`` body."""
    prompt, system = body.get("prompt"), body.get("system", "")
    if not isinstance(prompt, str):
        raise bad("prompt", "is required and must be a string")
    if not isinstance(system, str):
        raise bad("system", "must be a string")
    return system, prompt


def completion_json(text: str, input_tokens: int, output_tokens: int) -> dict[str, Any]:
    """Return a generateText result both readers accept: ``text`` on top, ``steps`` inside."""
    usage = {
        "inputTokens": input_tokens,
        "outputTokens": output_tokens,
        "totalTokens": input_tokens + output_tokens,
    }
    step = {
        "content": [{"type": "text", "text": text}],
        "finishReason": "stop",
        "usage": usage,
        "warnings": [],
    }
    return {
        "text": text,
        "finishReason": "stop",
        "usage": usage,
        "steps": [step],
        "totalUsage": usage,
    }


async def _disconnected(request: Request) -> None:
    while (await request.receive())["type"] != "http.disconnect":
        pass


async def copilot_response(
    provider: Provider, request: Request, body: Mapping[str, Any]
) -> Response:
    """Return the completion of ``POST /ai/copilot``; 408 ``null`` when the client aborted."""
    system, prompt = read_copilot(body)
    work = asyncio.ensure_future(provider.complete(system, prompt, COPILOT_MAX_TOKENS))
    gone = asyncio.ensure_future(_disconnected(request))
    await asyncio.wait({work, gone}, return_when=asyncio.FIRST_COMPLETED)
    if not work.done():
        work.cancel()
        LOG.info("plate: copilot request aborted by the client, answered 408")
        return JSONResponse(None, status_code=408)
    gone.cancel()
    result = work.result()
    if result.output_tokens > COPILOT_MAX_TOKENS:
        raise PlateError(502, "the model returned more than 50 tokens")
    return JSONResponse(completion_json(result.text, result.input_tokens, result.output_tokens))
