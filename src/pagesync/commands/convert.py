"""``pagesync convert``: turn one page between Markdown, ProseMirror JSON, Plate and Productive.

Each format has a reader (text -> canonical document) and a writer (document -> text) in two
tables; a conversion is one of each. Heavy imports stay inside the functions so that loading the
CLI stays fast.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from ..errors import DocumentError, InputError

FORMATS = ("markdown", "prosemirror", "plate", "productive")
# The spellings of pagesync.convert.dialects.SPELLINGS, named here to keep `--help` import-light.
SPELLINGS = ("tiptap", "prosemirror-basic", "outline", "productive")
_EXTENSIONS = {".md": "markdown", ".markdown": "markdown", ".json": "prosemirror"}


@dataclass
class Page:
    """A page read from the input: its document, and its front-matter kept aside."""

    doc: Any
    meta: dict[str, Any] = field(default_factory=dict)
    original: str | None = None


def _load_json(text: str, source: str) -> Any:
    """Parse JSON, naming the line and column of a syntax error."""
    try:
        return json.loads(text.removeprefix("\ufeff"))
    except json.JSONDecodeError as exc:
        message = f"invalid JSON: {exc.msg} (column {exc.colno})"
        raise DocumentError(message, source, exc.lineno) from exc


def _read_markdown(text: str, source: str) -> Page:
    """Split off the front-matter, then parse the Markdown body."""
    from ..convert import markdown_to_doc
    from ..frontmatter import split_front_matter

    meta, body = split_front_matter(text, source=source)
    return Page(markdown_to_doc(body), meta, text)


def _read_prosemirror(text: str, source: str) -> Page:
    """Parse ProseMirror JSON (any accepted spelling) and check it against the schema."""
    from ..convert.dialects import to_canonical
    from ..convert.schema import validate_doc

    doc = _load_json(text, source)
    # Read the spelling first so that the schema sees canonical names; paths stay the same.
    validate_doc(to_canonical(doc, source) if isinstance(doc, dict) else doc, source)
    return Page(doc)


def _read_plate(text: str, source: str) -> Page:
    """Parse a Plate ``content_rich`` value (a JSON list of blocks)."""
    from ..convert import plate_to_doc

    return Page(plate_to_doc(_load_json(text, source)))


def _productive_body_of(text: str) -> str:
    """Return the ``body`` of a whole JSON:API page response, or the text if it is not one."""
    if '"data"' not in text:
        return text
    try:
        body = json.loads(text)["data"]["attributes"]["body"]
    except (ValueError, TypeError, KeyError):
        return text
    return body if isinstance(body, str) else text


def _read_productive(text: str, source: str) -> Page:
    """Parse a Productive page ``body``: the string's contents, or a whole API response."""
    from ..convert.dialects import parse_productive_body

    return Page(parse_productive_body(_productive_body_of(text), source))


def _write_markdown(page: Page, spelling: str | None) -> str:
    """Render Markdown; a Markdown input's front-matter and line endings are put back."""
    from ..convert import doc_to_markdown
    from ..frontmatter import join_front_matter

    markdown = doc_to_markdown(page.doc)
    if page.original is None:
        return markdown
    return join_front_matter(page.meta, markdown, original=page.original)


def _respell(doc: Any, spelling: str | None) -> Any:
    """Return the document in the given spelling, or as it is when none is given."""
    if not spelling:
        return doc
    from ..convert.dialects import from_canonical, to_canonical

    return from_canonical(to_canonical(doc), spelling)


def _write_prosemirror(page: Page, spelling: str | None) -> str:
    """Write the document as indented JSON, in the requested spelling when one is given."""
    return json.dumps(_respell(page.doc, spelling), indent=2, ensure_ascii=False) + "\n"


def _write_plate(page: Page, spelling: str | None) -> str:
    """Write the Plate ``content_rich`` value as indented JSON."""
    from ..convert import doc_to_plate

    return json.dumps(doc_to_plate(page.doc), indent=2, ensure_ascii=False) + "\n"


def _write_productive(page: Page, spelling: str | None) -> str:
    """Write the contents of a Productive ``body`` string (Productive's node names by default)."""
    from ..convert.dialects import productive_body

    return productive_body(_respell(page.doc, spelling or "productive")) + "\n"


READERS: dict[str, Callable[[str, str], Page]] = {
    "markdown": _read_markdown,
    "prosemirror": _read_prosemirror,
    "plate": _read_plate,
    "productive": _read_productive,
}
WRITERS: dict[str, Callable[[Page, str | None], str]] = {
    "markdown": _write_markdown,
    "prosemirror": _write_prosemirror,
    "plate": _write_plate,
    "productive": _write_productive,
}


def guess_format(name: str, text: str) -> str:
    """Guess the input format from the file extension, else from the first character."""
    by_extension = _EXTENSIONS.get(Path(name).suffix.lower())
    if by_extension == "prosemirror" and text.lstrip().startswith("["):
        return "plate"
    if by_extension:
        return by_extension
    stripped = text.lstrip()
    if stripped.startswith("["):
        return "plate"
    return "prosemirror" if stripped.startswith("{") else "markdown"


def convert_text(
    text: str, source: str, source_format: str, target: str, spelling: str | None = None
) -> str:
    """Convert one page's text from one format to another.

    Raises:
        FrontMatterError, DocumentError: the input is not valid; the error names ``source``.
    """
    try:
        return WRITERS[target](READERS[source_format](text, source), spelling)
    except DocumentError as exc:
        # Converters deeper down only know a placeholder such as "<document>"; name the input.
        if exc.source.startswith("<"):
            exc.source = source
        raise


def _read_input(name: str) -> tuple[str, str]:
    """Read the input file (``-`` is stdin) as UTF-8, keeping its line endings."""
    source = "<stdin>" if name == "-" else name
    try:
        with click.open_file(name, "rb") as stream:
            data: bytes = stream.read()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", source) from exc
    try:
        return data.decode("utf-8"), source
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", source) from exc


def _write_output(text: str, output: str) -> None:
    """Write the result to a file (atomically), or to stdout for ``-``, byte for byte."""
    try:
        with click.open_file(output, "wb", atomic=output != "-") as stream:
            stream.write(text.encode("utf-8"))
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror}", output) from exc


@click.command(name="convert")
@click.argument(
    "file",
    default="-",
    metavar="[FILE|-]",
    type=click.Path(exists=True, dir_okay=False, allow_dash=True),
)
@click.option(
    "--from",
    "source_format",
    type=click.Choice(FORMATS),
    help="Input format. Default: from the extension (.md Markdown, .json ProseMirror or Plate).",
)
@click.option(
    "--to",
    "target",
    type=click.Choice(FORMATS),
    help="Output format. Default: prosemirror for Markdown input, markdown for JSON input.",
)
@click.option(
    "-o",
    "--output",
    default="-",
    metavar="OUT",
    help="Write the result to OUT instead of stdout.",
)
@click.option(
    "--spelling",
    type=click.Choice(SPELLINGS),
    help="Node names for ProseMirror output (default: as read; Markdown gives tiptap).",
)
def convert_command(
    file: str, source_format: str | None, target: str | None, output: str, spelling: str | None
) -> None:
    """Convert a page between Markdown, ProseMirror, Plate and Productive JSON.

    Reads FILE (or stdin for -), converts it through pagesync's canonical document and writes
    the result to stdout (or -o OUT). Front-matter of a Markdown input is kept aside and put
    back when the output is Markdown too. Bad input (invalid YAML or JSON, a document that
    breaks the schema) stops with one line naming the file and the line or JSON path.

    \b
    Examples:
      pagesync convert guide.md                     # Markdown -> ProseMirror JSON
      pagesync convert page.json --to markdown -o page.md
      pagesync convert guide.md --to plate
      curl -s http://127.0.0.1:8765/api/v2/pages/1 \\
        -H "X-Auth-Token: $TOKEN" -H "X-Organization-Id: 1" \\
        | pagesync convert - --from productive --to markdown
      pagesync convert guide.md --spelling prosemirror-basic
    """
    text, source = _read_input(file)
    source_format = source_format or guess_format(file, text)
    target = target or ("prosemirror" if source_format == "markdown" else "markdown")
    _write_output(convert_text(text, source, source_format, target, spelling), output)
