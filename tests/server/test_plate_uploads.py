"""Uploads of the Plate pages tool over HTTP (SQLite and PostgreSQL): limits, types checked by
their bytes, storage under the data folder, and serving with ETag, 304 and a year of cache."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.server.plate_session import PlateSession, open_session

from pagesync.server.plate_uploads import MAX_BYTES, check_svg, media_type
from pagesync.server.store import Store

PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452") + b"\0" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\0" * 64
GIF = b"GIF89a" + b"\0" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\0" * 64
PDF = b"%PDF-1.7\n" + b"\0" * 64
SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><rect width="1"/></svg>'


@pytest.fixture
def plate(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PlateSession]:
    yield from open_session(store, tmp_path, monkeypatch)


def upload(plate: PlateSession, name: str, data: bytes, kind: str, **form: str) -> httpx.Response:
    return plate.request("POST", "/upload", files={"file": (name, data, kind)}, data=form)


def test_an_image_is_stored_under_a_generated_key_and_served(plate: PlateSession) -> None:
    page = plate.create()["id"]
    response = upload(plate, "../../etc/passwd.png", PNG, "image/png", pageId=page)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert list(answer) == ["url", "appUrl", "name", "size", "type", "key"]
    assert re.fullmatch(rf"pages/{page}/[0-9a-f]{{32}}\.png", answer["key"])
    assert answer["url"] == answer["appUrl"] == f"/api/pages/uploads/{answer['key']}"
    assert (answer["name"], answer["size"], answer["type"]) == ("passwd.png", len(PNG), "image/png")
    assert (plate.data_dir / answer["key"]).read_bytes() == PNG
    served = plate.live.client.get(answer["url"])  # public: no token
    assert served.status_code == 200 and served.content == PNG
    assert served.headers["content-type"] == "image/png"
    assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
    etag = served.headers["etag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    cached = plate.live.client.get(answer["url"], headers={"If-None-Match": etag})
    assert cached.status_code == 304 and cached.content == b"" and cached.headers["etag"] == etag
    other = plate.live.client.get(answer["url"], headers={"If-None-Match": '"other"'})
    assert other.status_code == 200


def test_without_page_id_the_folder_is_general(plate: PlateSession) -> None:
    answer = upload(plate, "doc.pdf", PDF, "application/pdf").json()
    assert answer["key"].startswith("pages/general/") and answer["key"].endswith(".pdf")


@pytest.mark.parametrize(
    ("data", "kind"),
    [(JPEG, "image/jpeg"), (GIF, "image/gif"), (WEBP, "image/webp"), (SVG, "image/svg+xml")],
)
def test_each_image_type_with_its_signature_is_accepted(
    plate: PlateSession, data: bytes, kind: str
) -> None:
    response = upload(plate, "file", data, kind)
    assert response.status_code == 200, response.text
    served = plate.live.client.get(response.json()["url"])
    assert served.headers["content-type"].startswith(kind) and served.content == data


def test_a_file_over_10_mb_is_refused(plate: PlateSession) -> None:
    big = PNG + b"\0" * (11 * 1024 * 1024)
    response = upload(plate, "big.png", big, "image/png")
    assert response.status_code == 413
    assert "10 MB" in response.json()["error"]
    exact = upload(plate, "edge.png", PNG + b"\0" * (MAX_BYTES - len(PNG)), "image/png")
    assert exact.status_code == 200


def test_types_off_the_allow_list_are_refused(plate: PlateSession) -> None:
    response = upload(plate, "notes.txt", b"hello", "text/plain")
    assert response.status_code == 415
    assert "text/plain is not allowed" in response.json()["error"]
    html = upload(plate, "x.html", b"<html></html>", "text/html")
    assert html.status_code == 415


def test_an_image_type_must_match_the_bytes(plate: PlateSession) -> None:
    text_as_png = upload(plate, "fake.png", b"just some text, not a picture", "image/png")
    assert text_as_png.status_code == 415
    assert "declared image/png" in text_as_png.json()["error"]
    png_as_jpeg = upload(plate, "fake.jpg", PNG, "image/jpeg")
    assert png_as_jpeg.status_code == 415


def test_a_png_header_on_a_text_file_is_not_a_text_upload(plate: PlateSession) -> None:
    response = upload(plate, "notes.txt", PNG + b"secret text", "text/plain")
    assert response.status_code == 415


def test_an_undeclared_type_is_detected_from_the_bytes(plate: PlateSession) -> None:
    answer = upload(plate, "blob", GIF, "application/octet-stream").json()
    assert answer["type"] == "image/gif" and answer["key"].endswith(".gif")


@pytest.mark.parametrize(
    "svg",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink">'
        b'<a x:href="javascript:alert(1)"><text>hi</text></a></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>x</p></foreignObject></svg>',
    ],
)
def test_an_svg_with_script_is_refused(plate: PlateSession, svg: bytes) -> None:
    response = upload(plate, "bad.svg", svg, "image/svg+xml")
    assert response.status_code == 415
    assert "script" in response.json()["error"]


def test_an_svg_must_really_be_svg(plate: PlateSession) -> None:
    for data in (b"not xml at all", b"<html><body/></html>", PNG):
        response = upload(plate, "x.svg", data, "image/svg+xml")
        assert response.status_code == 415, data
    bomb = b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "aaaa">]><svg>&a;</svg>'
    assert upload(plate, "bomb.svg", bomb, "image/svg+xml").status_code == 415


def test_served_svg_is_sandboxed(plate: PlateSession) -> None:
    url = upload(plate, "ok.svg", SVG, "image/svg+xml").json()["url"]
    served = plate.live.client.get(url)
    assert "sandbox" in served.headers["content-security-policy"]
    assert served.headers["x-content-type-options"] == "nosniff"


def test_bad_forms_are_clear_errors(plate: PlateSession) -> None:
    no_file = plate.request("POST", "/upload", data={"pageId": "x"}, files={"other": ("a", b"a")})
    assert no_file.status_code == 400 and no_file.json()["field"] == "file"
    as_json = plate.request("POST", "/upload", {"file": "x"})
    assert as_json.status_code == 400
    bad_folder = upload(plate, "a.png", PNG, "image/png", pageId="../../x")
    assert bad_folder.status_code == 400
    assert bad_folder.json()["field"] == "pageId"
    assert not any(plate.data_dir.parent.glob("x*"))


@pytest.mark.parametrize(
    "path",
    [
        "/api/pages/uploads/pages/general/0123456789abcdef0123456789abcdef.png",
        "/api/pages/uploads/../../pagesync.sqlite",
        "/api/pages/uploads/pages/general/..%2F..%2F..%2Fpagesync.sqlite",
        "/api/pages/uploads/%2e%2e/%2e%2e/etc/passwd",
        "/api/pages/uploads/",
    ],
)
def test_missing_files_and_traversal_are_404(plate: PlateSession, path: str) -> None:
    upload(plate, "a.png", PNG, "image/png")
    response = plate.live.client.get(path)
    assert response.status_code == 404
    assert b"SQLite format" not in response.content and b"root:" not in response.content


def test_media_type_rules_without_http() -> None:
    assert media_type("image/png; charset=binary", PNG) == "image/png"
    assert media_type("audio/x-wav", b"RIFF....WAVEfmt ") == "audio/wav"
    assert media_type("", SVG) == "image/svg+xml"
    check_svg(b"<svg><title>no namespace is fine</title></svg>")
