"""The AI routes of the Plate pages tool over HTTP (SQLite and PostgreSQL): the UI message
stream parsed event by event, tool choice, the local provider's answers, copilot's 50-token cap
and 408 when the client aborts."""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount
from tests.server.conftest import start_server, stop_server
from tests.server.plate_session import PlateSession, make_user, open_session

from pagesync.errors import ConfigError
from pagesync.server.plate_ai import selected_text
from pagesync.server.plate_ai_providers import LocalProvider, choose_provider, tokens
from pagesync.server.plate_api import PlateSettings, build_app
from pagesync.server.store import Store

STREAM_HEADERS = {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    "connection": "keep-alive",
    "x-vercel-ai-ui-message-stream": "v1",
    "x-accel-buffering": "no",
}
DOC = [
    {"type": "h1", "children": [{"text": "Tomatoes"}]},
    {
        "type": "p",
        "children": [{"text": "grow tomatoes in sun. "}, {"text": "Water", "bold": True}],
    },
]


@pytest.fixture
def plate(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PlateSession]:
    yield from open_session(store, tmp_path, monkeypatch)


def ask(text: str) -> list[dict[str, Any]]:
    return [{"id": "m1", "role": "user", "parts": [{"type": "text", "text": text}]}]


def selection(anchor: tuple[list[int], int], focus: tuple[list[int], int]) -> dict[str, Any]:
    return {
        "anchor": {"path": anchor[0], "offset": anchor[1]},
        "focus": {"path": focus[0], "offset": focus[1]},
    }


def events(response: httpx.Response) -> list[Any]:
    """Parse the stream event by event, checking each is ``data: <compact JSON>`` + blank line."""
    body = response.content.decode()
    assert body.endswith("\n\n")
    parsed: list[Any] = []
    for block in body.split("\n\n")[:-1]:
        assert block.startswith("data: ") and "\n" not in block, block
        data = block.removeprefix("data: ")
        if data == "[DONE]":
            parsed.append(data)
            continue
        chunk = json.loads(data)
        assert json.dumps(chunk, separators=(",", ":"), ensure_ascii=False) == data
        parsed.append(chunk)
    return parsed


def command(plate: PlateSession, **body: Any) -> list[Any]:
    response = plate.request("POST", "/ai/command", body)
    assert response.status_code == 200, response.text
    assert {k: response.headers[k] for k in STREAM_HEADERS} == STREAM_HEADERS
    return events(response)


def text_of(chunks: list[Any]) -> str:
    return "".join(c["delta"] for c in chunks if isinstance(c, dict) and c["type"] == "text-delta")


def test_generate_streams_every_event_in_order(plate: PlateSession) -> None:
    chunks = command(
        plate, messages=ask("Write about watering"), ctx={"children": DOC, "selection": None}
    )
    types = [c if c == "[DONE]" else c["type"] for c in chunks]
    deltas = types.count("text-delta")
    assert deltas > 3
    assert types == [
        "start",
        "data-toolName",
        "start-step",
        "text-start",
        *["text-delta"] * deltas,
        "text-end",
        "finish-step",
        "finish",
        "[DONE]",
    ]
    assert len(chunks[0]["messageId"]) == 16
    assert chunks[1] == {"type": "data-toolName", "data": "generate"}
    assert chunks[3] == {"type": "text-start", "id": "0"} and chunks[-4] == {
        "type": "text-end",
        "id": "0",
    }
    markdown = text_of(chunks)
    assert markdown.startswith("## Watering\n\n")
    assert "- **Tomatoes**" in markdown  # drawn from the document


def test_an_expanded_selection_chooses_edit(plate: PlateSession) -> None:
    chunks = command(
        plate,
        messages=ask("Make it bold"),
        ctx={"children": DOC, "selection": selection(([1, 0], 0), ([1, 0], 4))},
    )
    assert chunks[1]["data"] == "edit"
    assert text_of(chunks) == "**grow**"


def test_a_backward_selection_across_blocks_is_edited_in_order(plate: PlateSession) -> None:
    backward = selection(([1, 1], 5), ([0, 0], 4))
    chunks = command(
        plate, messages=ask("upper case please"), ctx={"children": DOC, "selection": backward}
    )
    assert text_of(chunks) == "TOES\nGROW TOMATOES IN SUN. WATER"


def test_a_collapsed_selection_or_explicit_tool_generates(plate: PlateSession) -> None:
    caret = selection(([1, 0], 3), ([1, 0], 3))
    chunks = command(
        plate, messages=ask("Add a summary"), ctx={"children": DOC, "selection": caret}
    )
    assert chunks[1]["data"] == "generate"
    forced = command(
        plate,
        messages=ask("Add a summary"),
        ctx={
            "children": DOC,
            "selection": selection(([1, 0], 0), ([1, 0], 4)),
            "toolName": "generate",
        },
    )
    assert forced[1]["data"] == "generate" and text_of(forced).startswith("## Summary")


def test_edit_without_a_selection_still_answers(plate: PlateSession) -> None:
    chunks = command(plate, messages=ask("Shorten"), ctx={"children": DOC, "toolName": "edit"})
    assert chunks[1]["data"] == "edit" and text_of(chunks)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"ctx": {"children": DOC}}, "messages"),
        ({"messages": [{"role": "assistant", "parts": []}]}, "messages"),
        ({"messages": ask("x"), "ctx": {"toolName": "delete"}}, "ctx.toolName"),
        ({"messages": ask("x"), "ctx": {"selection": {"anchor": {}}}}, "ctx.selection.anchor"),
        ({"messages": ask("x"), "ctx": {"children": "text"}}, "ctx.children"),
        ({"messages": ask("x"), "ctx": []}, "ctx"),
    ],
)
def test_bad_command_bodies_are_400_naming_the_field(
    plate: PlateSession, body: dict[str, Any], field: str
) -> None:
    response = plate.request("POST", "/ai/command", body)
    assert response.status_code == 400
    assert response.json()["field"] == field and response.json()["error"].startswith(field)


def test_copilot_returns_a_generate_text_object(plate: PlateSession) -> None:
    prompt = (
        'Continue the text up to the next punctuation mark:\n"""\nBasil likes warm gardens\n"""'
    )
    answer = plate.ok("POST", "/ai/copilot", {"prompt": prompt, "system": "Be brief."})
    assert answer["text"] == ", which shapes how basil, gardens, likes and warm fit together."
    assert answer["steps"][0]["content"] == [{"type": "text", "text": answer["text"]}]
    assert answer["finishReason"] == "stop"
    assert answer["usage"]["outputTokens"] == len(tokens(answer["text"]))


def test_copilot_stops_at_50_tokens(plate: PlateSession) -> None:
    words = " ".join(f"word{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(80))
    answer = plate.ok("POST", "/ai/copilot", {"prompt": f'"""\n{words}\n"""', "system": ""})
    assert answer["usage"]["outputTokens"] == 50
    assert len(tokens(answer["text"])) == 50
    assert answer["text"].startswith(", which shapes how")


def test_copilot_without_a_prompt_is_400(plate: PlateSession) -> None:
    response = plate.request("POST", "/ai/copilot", {"system": "x"})
    assert response.status_code == 400 and response.json()["field"] == "prompt"


def test_copilot_answers_408_when_the_client_aborts(
    store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    slow = PlateSettings(tmp_path, LocalProvider(delay=3.0))
    app = Starlette(routes=[Mount("/api/pages", app=build_app(store, slow))])
    live = start_server(app, store)
    user = make_user(store)
    caplog.set_level(logging.INFO, logger="pagesync.server.plate_ai")
    try:
        started = time.monotonic()
        with pytest.raises(httpx.ReadTimeout):
            live.client.post(
                "/api/pages/ai/copilot",
                json={"prompt": "Hello there"},
                headers=user.headers,
                timeout=0.3,
            )
        while "answered 408" not in caplog.text and time.monotonic() - started < 2.5:
            time.sleep(0.02)
    finally:
        stop_server(live)
    # Seen well before the slow model would have finished: the abort cancelled it.
    assert "answered 408" in caplog.text
    assert time.monotonic() - started < 3.0


def test_a_failing_model_reports_an_error_chunk(
    plate: PlateSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("anthropic")
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("ANTHROPIC_BASE_URL", f"http://127.0.0.1:{port}")
    provider = choose_provider({"ANTHROPIC_API_KEY": "sk-test"})
    provider.client.max_retries = 0  # type: ignore[attr-defined]
    app = Starlette(
        routes=[
            Mount(
                "/api/pages",
                app=build_app(plate.live.store, PlateSettings(plate.data_dir, provider)),
            )
        ]
    )
    live = start_server(app, plate.live.store)
    try:
        response = live.client.post(
            "/api/pages/ai/command", json={"messages": ask("Hi")}, headers=plate.user.headers
        )
    finally:
        stop_server(live)
    chunks = events(response)
    assert chunks[-2]["type"] == "error" and "Connection" in chunks[-2]["errorText"]
    assert chunks[-1] == "[DONE]"


def test_the_provider_setting() -> None:
    local = choose_provider({})
    assert isinstance(local, LocalProvider) and local.name == "local-deterministic"
    assert isinstance(
        choose_provider({"ANTHROPIC_API_KEY": "k", "PAGESYNC_AI_PROVIDER": "local"}), LocalProvider
    )
    with pytest.raises(ConfigError, match="unknown AI provider"):
        choose_provider({"PAGESYNC_AI_PROVIDER": "gpt"})
    with pytest.raises(ConfigError, match="ANTHROPIC_API_KEY"):
        choose_provider({"PAGESYNC_AI_PROVIDER": "anthropic"})


def test_selected_text_spans_leaves_and_blocks() -> None:
    assert selected_text(DOC, ((0, 0), 2), ((1, 0), 4)) == "matoes\ngrow"
    assert selected_text(DOC, ((1, 0), 5), ((1, 1), 3)) == "tomatoes in sun. Wat"
    assert selected_text(DOC, ((1, 0), 3), ((1, 0), 3)) == ""
