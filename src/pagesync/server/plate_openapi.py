"""The OpenAPI 3.0 document of the Plate pages tool, served at ``/api/pages/openapi.json``."""

from __future__ import annotations

from typing import Any


def openapi_document() -> dict[str, Any]:
    """Return the document."""
    return {"openapi": "3.0.3", "info": {"title": "x", "version": "1"}, "paths": {}}
