"""The local deterministic provider's rules and the token cap, without HTTP."""

from __future__ import annotations

import asyncio

import pytest

from pagesync.server.plate_ai_providers import (
    LocalProvider,
    Prompt,
    continuation,
    edit,
    first_tokens,
    generate,
    keywords,
    tidy,
    tokens,
)

DOCUMENT = "Roses need pruning. Roses need feeding in spring. Pruning keeps roses healthy."


@pytest.mark.parametrize(
    ("instruction", "selection", "expected"),
    [
        ("make it shorter", "First one. Second one.", "First one."),
        ("Turn into a bullet list", "One. Two.", "- One.\n- Two."),
        ("make this bold", " key words ", "**key words**"),
        ("italic please", "soft", "_soft_"),
        ("UPPERCASE it", "loud", "LOUD"),
        ("as a heading", "section name", "## Section name"),
        ("fix the grammar", "hello   world.  this is it", "Hello world. This is it."),
    ],
)
def test_edit_rewrites_by_the_instructions_verb(
    instruction: str, selection: str, expected: str
) -> None:
    assert edit(Prompt("edit", instruction, DOCUMENT, selection)) == expected


def test_longer_adds_the_documents_words() -> None:
    result = edit(Prompt("edit", "make it longer", DOCUMENT, "roses bloom"))
    assert result == "Roses bloom. It also touches on roses and need."


def test_generate_writes_a_section_from_the_instruction_and_document() -> None:
    markdown = generate(Prompt("generate", "Write about garden care", DOCUMENT, ""))
    assert markdown.splitlines()[:3] == ["## Garden care", "", "This section covers garden care."]
    assert "- **Roses**: how it relates to garden care." in markdown


def test_keywords_skip_stopwords_and_order_by_count() -> None:
    assert keywords(DOCUMENT, 3) == ["roses", "need", "pruning"]


def test_the_stream_is_the_whole_answer_in_pieces() -> None:
    prompt = Prompt("generate", "Write about care", DOCUMENT, "")

    async def collect() -> list[str]:
        return [piece async for piece in LocalProvider().stream(prompt)]

    pieces = asyncio.run(collect())
    assert len(pieces) > 5 and "".join(pieces) == generate(prompt)


def test_completions_are_capped_in_tokens() -> None:
    text = "one two, three. four"
    assert tokens(text) == ["one", "two", ",", "three", ".", "four"]
    assert first_tokens(text, 3) == "one two,"
    assert first_tokens(text, 10) == text
    long_block = '"""\n' + " ".join(f"topic{chr(97 + i % 26)}{i}" for i in range(60)) + '\n"""'
    result = asyncio.run(LocalProvider().complete("", long_block, 50))
    assert result.output_tokens == 50 == len(tokens(result.text))


def test_continuation_and_tidy() -> None:
    assert continuation('"""\n\n"""') == "0"
    assert continuation("Cats chase mice.").startswith(" This also shapes how")
    assert tidy("a  b") == "A b."
