"""Media uploads of the Plate pages tool: check, store under the data folder, serve with caching.

A file is accepted when it is at most 10 MB, its type is on the seed's allow-list, and its bytes
agree with its type: images by their magic numbers (the ``filetype`` package), SVG by parsing it
as XML (``defusedxml``, so no entity tricks) with an ``<svg>`` root and nothing that runs script.
It is stored as ``<data folder>/pages/<pageId>/<uuid>.<ext>``: the key is generated, the client's
file name is only echoed back, and the page folder name is checked, so no upload can write
outside the data folder. Serving looks the key up in ``plate_uploads`` before touching the disk.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import filetype
from defusedxml import ElementTree
from sqlalchemy import Connection, select

from .plate import PLATE_UPLOADS
from .plate_input import PlateError
from .store import now_ms

MAX_BYTES = 10 * 1024 * 1024
EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/svg+xml": "svg",
    "video/mp4": "mp4",
    "video/webm": "webm",
    "audio/mpeg": "mp3",
    "audio/wav": "wav",
    "audio/ogg": "ogg",
    "application/pdf": "pdf",
}
# Other spellings browsers and the filetype package use for the same allowed types.
ALIASES = {
    "image/jpg": "image/jpeg",
    "audio/x-wav": "audio/wav",
    "audio/wave": "audio/wav",
    "audio/mp3": "audio/mpeg",
    "image/svg": "image/svg+xml",
}
UNDECLARED = ("", "application/octet-stream")
CACHE_CONTROL = "public, max-age=31536000, immutable"
SVG_NS = "{http://www.w3.org/2000/svg}"
SVG_SCRIPT_TAGS = frozenset({"script", "foreignobject", "iframe", "embed", "object", "handler"})
PAGE_FOLDER = re.compile(r"[A-Za-z0-9_-]{1,64}")
KEY = re.compile(r"pages/[A-Za-z0-9_-]{1,64}/[0-9a-f]{32}\.[a-z0-9]{2,4}")


@dataclass(frozen=True)
class Stored:
    """An accepted upload: where it is and what the response says about it."""

    key: str
    name: str
    size: int
    type: str
    etag: str

    def response(self) -> dict[str, Any]:
        """Return the documented upload response (UploadThing's uploaded-file shape)."""
        url = f"/api/pages/uploads/{self.key}"
        return {
            "url": url,
            "appUrl": url,
            "name": self.name,
            "size": self.size,
            "type": self.type,
            "key": self.key,
        }


def unsupported(message: str) -> PlateError:
    """Return the 415 for a file whose type is not accepted."""
    return PlateError(415, message, "file")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def _runs_script(element: Any) -> bool:
    if _local(element.tag) in SVG_SCRIPT_TAGS:
        return True
    for name, value in element.attrib.items():
        if _local(name).startswith("on"):
            return True
        if _local(name) == "href" and value.strip().lower().startswith(("javascript:", "data:")):
            return True
    return False


def check_svg(data: bytes) -> None:
    """Refuse bytes that are not an SVG document, or an SVG that could run script."""
    try:
        root = ElementTree.fromstring(data)
    except Exception as exc:  # ParseError, DTD and entity refusals: all mean "not a plain SVG"
        raise unsupported(f"file: not a valid SVG document ({exc.__class__.__name__})") from exc
    if root.tag not in (f"{SVG_NS}svg", "svg"):
        raise unsupported("file: an image/svg+xml file must have an <svg> root element")
    if any(_runs_script(element) for element in root.iter()):
        raise unsupported("file: SVG files with scripts or event handlers are not accepted")


def _check_magic(declared: str, data: bytes) -> None:
    guessed = filetype.guess_mime(data[:8192])
    if ALIASES.get(guessed, guessed) != declared:
        found = f"looks like {guessed}" if guessed else "has no recognisable signature"
        raise unsupported(f"file: declared {declared} but its content {found}")


CHECKS: dict[str, Callable[[str, bytes], None]] = {
    "image/jpeg": _check_magic,
    "image/png": _check_magic,
    "image/gif": _check_magic,
    "image/webp": _check_magic,
    "image/svg+xml": lambda _declared, data: check_svg(data),
}


def _guess(data: bytes) -> str:
    guessed = filetype.guess_mime(data[:8192]) or ""
    if not guessed and data.lstrip()[:5].lower() in (b"<svg ", b"<?xml", b"<svg>"):
        return "image/svg+xml"
    return ALIASES.get(guessed, guessed)


def media_type(declared: str | None, data: bytes) -> str:
    """Return the accepted type of a file, or raise 415; an undeclared type is detected."""
    kind = (declared or "").split(";", 1)[0].strip().lower()
    kind = _guess(data) if kind in UNDECLARED else ALIASES.get(kind, kind)
    if kind not in EXTENSIONS:
        allowed = ", ".join(EXTENSIONS)
        raise unsupported(f"file: type {kind or 'unknown'} is not allowed (allowed: {allowed})")
    check = CHECKS.get(kind)
    if check is not None:
        check(kind, data)
    return kind


def page_folder(value: str | None) -> str:
    """Return the storage folder of a ``pageId`` form field (``general`` when absent)."""
    if value is None or value == "":
        return "general"
    if not PAGE_FOLDER.fullmatch(value):
        raise PlateError(400, "pageId: must be 1-64 letters, digits, '-' or '_'", "pageId")
    return value


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def store_upload(
    conn: Connection,
    root: Path,
    data: bytes,
    *,
    name: str,
    declared: str | None,
    folder: str,
    user_id: int,
) -> Stored:
    """Check and store one file; return what the response reports."""
    if len(data) > MAX_BYTES:
        raise PlateError(413, f"file: {len(data)} bytes is over the 10 MB limit", "file")
    if not data:
        raise PlateError(400, "file: the file is empty", "file")
    kind = media_type(declared, data)
    key = f"pages/{folder}/{uuid.uuid4().hex}.{EXTENSIONS[kind]}"
    etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
    _write_atomically(root.joinpath(*key.split("/")), data)
    shown = Path(name.replace("\x00", "")).name[:255] or "file"
    stored = Stored(key, shown, len(data), kind, etag)
    values = dict(key=key, name=stored.name, size=stored.size, type=kind, etag=etag)
    conn.execute(PLATE_UPLOADS.insert().values(user_id=user_id, created_at=now_ms(), **values))
    return stored


def find_upload(conn: Connection, root: Path, key: str) -> tuple[Path, Any]:
    """Return the file and the row of a stored upload, or raise a 404."""
    missing = PlateError(404, f"upload {key!r} not found")
    if not KEY.fullmatch(key):
        raise missing
    row = conn.execute(select(PLATE_UPLOADS).where(PLATE_UPLOADS.c.key == key)).first()
    path = root.joinpath(*key.split("/")).resolve()
    if row is None or not path.is_relative_to(root.resolve()) or not path.is_file():
        raise missing
    return path, row


def etag_matches(header: str | None, etag: str) -> bool:
    """Return True when an ``If-None-Match`` header names this ETag (or ``*``)."""
    if not header:
        return False
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or etag in tags


def cache_headers(row: Any) -> dict[str, str]:
    """Return the headers every answer for a stored upload carries."""
    headers = {
        "Cache-Control": CACHE_CONTROL,
        "ETag": row.etag,
        "X-Content-Type-Options": "nosniff",
    }
    if row.type == "image/svg+xml":
        # Opened directly, an SVG is a document: never let it run anything.
        headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'unsafe-inline'; sandbox"
        )
    return headers
