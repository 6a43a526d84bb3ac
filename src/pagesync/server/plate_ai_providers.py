"""The models behind the AI routes: Anthropic's API when a key is configured, else a local one.

``LocalProvider`` is deterministic and offline, and says so in its name (``local-deterministic``):
it writes plain, sensible Markdown from the instruction and the document (a heading, a paragraph
and points drawn from the document's own words for ``generate``; a rewrite chosen by the
instruction's verb for ``edit``; a short continuation for the copilot). It exists so the routes
are fully usable and testable without a network; it is not a language model.

``AnthropicProvider`` uses the ``anthropic`` package (the ``ai`` extra), imported only when the
provider is built. ``choose_provider`` reads the settings (``PAGESYNC_AI_PROVIDER``,
``ANTHROPIC_API_KEY``, ``PAGESYNC_AI_MODEL``).
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from ..errors import ConfigError

DEFAULT_MODEL = "claude-sonnet-4-6"
COPILOT_MAX_TOKENS = 50
TOKEN = re.compile(r"\w+|[^\w\s]")
_STOPWORDS = (
    "a an and are as at be but by for from has have in into is it its of on or that the this "
    "to was were will with about write generate create draft make add please some new them "
    "they their you your our we"
)
STOPWORDS = frozenset(re.findall(r"\w+", _STOPWORDS))


@dataclass(frozen=True)
class Prompt:
    """What the command route asks a model: the tool, the instruction and the editor's text."""

    tool: str
    instruction: str
    document: str
    selection: str


@dataclass(frozen=True)
class Completion:
    """A copilot completion and its token counts."""

    text: str
    input_tokens: int
    output_tokens: int


class Provider(Protocol):
    """A model the AI routes can use."""

    name: str

    def stream(self, prompt: Prompt) -> AsyncIterator[str]:
        """Yield the Markdown answer to a command, piece by piece."""
        ...

    async def complete(self, system: str, prompt: str, max_tokens: int) -> Completion:
        """Return a short completion of at most ``max_tokens`` tokens."""
        ...


def tokens(text: str) -> list[str]:
    """Return the local provider's tokens of a text: words and punctuation marks."""
    return TOKEN.findall(text)


def first_tokens(text: str, limit: int) -> str:
    """Return the start of ``text`` holding at most ``limit`` tokens, spacing kept."""
    spans = [m.end() for m in TOKEN.finditer(text)]
    return text if len(spans) <= limit else text[: spans[limit - 1]]


def keywords(text: str, count: int) -> list[str]:
    """Return the most frequent meaningful words of a text, in a stable order."""
    words = [w.lower() for w in re.findall(r"[^\W\d_]{3,}", text)]
    counts = Counter(w for w in words if w not in STOPWORDS)
    return [w for w, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))][:count]


def sentences(text: str) -> list[str]:
    """Split text into sentences (on ., ! and ? followed by space, and on line breaks)."""
    parts = re.split(r"(?<=[.!?])\s+|\n+", text.strip())
    return [p.strip() for p in parts if p.strip()]


def tidy(text: str) -> str:
    """Collapse spaces, capitalise each sentence and end it with punctuation."""
    fixed = []
    for sentence in sentences(text):
        sentence = re.sub(r"\s+", " ", sentence)
        sentence = sentence[0].upper() + sentence[1:]
        fixed.append(sentence if sentence[-1] in ".!?:" else sentence + ".")
    return " ".join(fixed)


def _topic(instruction: str) -> str:
    words = [w for w in re.findall(r"[\w'-]+", instruction) if w.lower() not in STOPWORDS]
    return " ".join(words).strip().capitalize() or "Notes"


def generate(prompt: Prompt) -> str:
    """Write a short Markdown section about the instruction, using the document's words."""
    topic = _topic(prompt.instruction)
    points = keywords(prompt.document, 3) or keywords(prompt.instruction, 3)
    lines = [f"## {topic}", "", f"This section covers {topic.lower()}."]
    if points:
        lines += [
            "",
            *(f"- **{p.capitalize()}**: how it relates to {topic.lower()}." for p in points),
        ]
    return "\n".join(lines)


Rewrite = Callable[[str, str], str]


def _shorter(text: str, _document: str) -> str:
    found = sentences(text)
    return tidy(found[0]) if len(found) > 1 else first_tokens(tidy(text), 12)


def _longer(text: str, document: str) -> str:
    extra = keywords(document, 2)
    detail = f" It also touches on {' and '.join(extra)}." if extra else " It deserves more detail."
    return tidy(text) + detail


EDITS: tuple[tuple[tuple[str, ...], Rewrite], ...] = (
    (("short", "summar", "concise", "brief"), _shorter),
    (("long", "expand", "elaborate", "more detail"), _longer),
    (("bullet", "list"), lambda text, _d: "\n".join(f"- {s}" for s in sentences(text))),
    (("bold", "emphas"), lambda text, _d: f"**{text.strip()}**"),
    (("italic",), lambda text, _d: f"_{text.strip()}_"),
    (("upper", "capital"), lambda text, _d: text.upper()),
    (("lower",), lambda text, _d: text.lower()),
    (("heading", "title"), lambda text, _d: f"## {tidy(text).rstrip('.')}"),
)


def edit(prompt: Prompt) -> str:
    """Rewrite the selection as the instruction's verb says (tidy it when none matches)."""
    wanted = prompt.instruction.lower()
    for words, rewrite in EDITS:
        if any(w in wanted for w in words):
            return rewrite(prompt.selection, prompt.document)
    return tidy(prompt.selection)


def _joined(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def continuation(text: str) -> str:
    """Continue a text deterministically up to the next punctuation mark.

    The continuation names the block's own key words (as many as it has: the copilot's token
    cap, not this function, bounds the length), or is ``"0"`` (no suggestion) for an empty block.
    """
    block = text.rsplit('"""', 2)[-2] if text.count('"""') >= 2 else text
    block = block.strip()
    topics = keywords(block, 100)
    if not block or not topics:
        return "0"  # Plate's copilot reads "0" as "no suggestion"
    if block[-1] in ".!?":
        return f" This also shapes how {_joined(topics)} fit together."
    return f", which shapes how {_joined(topics)} fit together."


class LocalProvider:
    """Deterministic offline answers (``local-deterministic``): not a language model."""

    name = "local-deterministic"

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay  # seconds per piece, to let tests abort mid-answer

    async def stream(self, prompt: Prompt) -> AsyncIterator[str]:
        """Yield the answer word by word (with its spacing)."""
        answer = edit(prompt) if prompt.tool == "edit" and prompt.selection else generate(prompt)
        for piece in re.findall(r"\S+\s*|\s+", answer):
            if self.delay:
                await asyncio.sleep(self.delay)
            yield piece

    async def complete(self, system: str, prompt: str, max_tokens: int) -> Completion:
        """Return a continuation of at most ``max_tokens`` tokens."""
        if self.delay:
            await asyncio.sleep(self.delay)
        text = first_tokens(continuation(prompt), max_tokens)
        return Completion(text, len(tokens(system + prompt)), len(tokens(text)))


SYSTEMS = {
    "generate": (
        "You write content for a rich-text page editor. Answer in Markdown only, with no "
        "preamble. Use the document for context and follow the user's instruction."
    ),
    "edit": (
        "You edit a passage selected in a rich-text page editor. Answer with the rewritten "
        "passage in Markdown only, with no preamble, following the user's instruction."
    ),
}


def user_message(prompt: Prompt) -> str:
    """Return the message a real model gets for a command."""
    parts = [f"<document>\n{prompt.document}\n</document>"]
    if prompt.selection:
        parts.append(f"<selection>\n{prompt.selection}\n</selection>")
    parts.append(f"<instruction>\n{prompt.instruction}\n</instruction>")
    return "\n\n".join(parts)


class AnthropicProvider:
    """Claude through Anthropic's Messages API (the ``anthropic`` package)."""

    def __init__(self, api_key: str, model: str = DEFAULT_MODEL) -> None:
        try:
            import anthropic
        except ImportError as exc:
            raise ConfigError(
                ["the Anthropic provider needs the package: pip install 'pagesync[ai]'"],
                "PAGESYNC_AI_PROVIDER",
            ) from exc
        self.client: Any = anthropic.AsyncAnthropic(api_key=api_key)
        self.model = model
        self.name = f"anthropic:{model}"

    async def stream(self, prompt: Prompt) -> AsyncIterator[str]:
        """Yield Claude's answer as it arrives."""
        system = SYSTEMS["edit" if prompt.tool == "edit" and prompt.selection else "generate"]
        messages = [{"role": "user", "content": user_message(prompt)}]
        async with self.client.messages.stream(
            model=self.model, max_tokens=4096, system=system, messages=messages
        ) as answer:
            async for text in answer.text_stream:
                yield text

    async def complete(self, system: str, prompt: str, max_tokens: int) -> Completion:
        """Return Claude's completion of at most ``max_tokens`` tokens."""
        message = await self.client.messages.create(
            model=self.model,
            max_tokens=max_tokens,
            temperature=0.7,
            system=system,
            messages=[{"role": "user", "content": prompt}],
        )
        text = "".join(b.text for b in message.content if getattr(b, "type", "") == "text")
        usage = message.usage
        return Completion(text, int(usage.input_tokens), int(usage.output_tokens))


def choose_provider(environ: Mapping[str, str]) -> Provider:
    """Return the provider the settings name: ``anthropic`` when a key is set, else local."""
    key = environ.get("ANTHROPIC_API_KEY", "")
    name = environ.get("PAGESYNC_AI_PROVIDER", "anthropic" if key else "local")
    if name == "local":
        return LocalProvider()
    if name != "anthropic":
        raise ConfigError(
            [f"unknown AI provider {name!r} (use local or anthropic)"], "PAGESYNC_AI_PROVIDER"
        )
    if not key:
        raise ConfigError(["the anthropic provider needs ANTHROPIC_API_KEY"], "ANTHROPIC_API_KEY")
    return AnthropicProvider(key, environ.get("PAGESYNC_AI_MODEL", DEFAULT_MODEL))
