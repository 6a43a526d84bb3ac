"""Carry attributes between canonical nodes and Plate elements without losing any.

Each element kind names its *slots*: canonical attrs that have a Plate prop of their own
(``language`` -> ``lang``, ``id`` -> ``id``). Everything else rides along:

- a canonical attr with no slot (``textAlign: null``, ``info``, ``tight: false``) goes into the
  element's ``pm`` prop, ``{"attrs": {...}, "marks": [...]}``; a whole canonical node Plate has no
  element for goes in as ``pm`` itself (a *node carrier*);
- a Plate prop with no slot (``suggestion``, ``lineHeight``, ``indent`` where no list put it) goes
  into the canonical ``plate`` attr; a whole Plate element pagesync does not know goes in as
  ``plateElement{element}``.

``UNSET`` marks an attr or prop that was absent where the other side always writes one.
"""

from __future__ import annotations

from typing import Any

from .schema import MARKS, NODES, default_attrs

Json = dict[str, Any]
UNSET: Json = {"$unset": True}
PLATE_KEYS = ("type", "children", "pm")
BLOCK_SLOTS = {"id": "id", "textAlign": "align"}


# Read-only: the schema defaults of every canonical type, built once (hot in both directions).
_DEFAULTS: dict[str, Json] = {name: default_attrs(name) for name in (*NODES, *MARKS)}
_NONE: Json = {}


def defaults_of(type_name: str) -> Json:
    """Return the schema defaults of a canonical type (a shared dict: do not change it)."""
    return _DEFAULTS.get(type_name, _NONE)


def pm_of(element: Json) -> Json | None:
    """Return the ``pm`` prop of a Plate element or leaf when it is an object."""
    pm = element.get("pm")
    return pm if isinstance(pm, dict) else None


def is_node_carrier(element: Json) -> bool:
    """Return whether a Plate element carries a whole canonical node in ``pm``."""
    pm = pm_of(element)
    return pm is not None and isinstance(pm.get("type"), str)


def carrier_to_plate(node: Json) -> Json:
    """Wrap a canonical node Plate has no element for (kept verbatim in ``pm``)."""
    return {"type": node["type"], "pm": node, "children": [{"text": ""}]}


def attrs_to_props(node: Json, slots: dict[str, str], element: Json) -> Json:
    """Copy a canonical node's slot attrs onto ``element``; return the leftovers for ``pm``."""
    defaults = defaults_of(node["type"])
    attrs = node.get("attrs") or {}
    plate = attrs.get("plate")
    explicit = plate if isinstance(plate, dict) else {}
    left: Json = {key: UNSET for key in defaults if key not in attrs}
    for key, value in attrs.items():
        if key == "plate" or slots.get(key) in explicit:
            continue
        if key in defaults and value == defaults[key]:
            continue
        if key in slots and value is not None:
            element[slots[key]] = value
        else:
            left[key] = value
    for key, value in explicit.items():
        if value == UNSET:
            element.pop(key, None)
        else:
            element[key] = value
    if plate is not None and not isinstance(plate, dict):
        left["plate"] = plate
    return left


def with_pm(element: Json, pm: Json) -> Json:
    """Set the ``pm`` prop of ``element`` when there is anything to carry."""
    pm = {k: v for k, v in pm.items() if v}
    if pm:
        element["pm"] = pm
    return element


def props_to_attrs(
    element: Json, canonical: str, slots: dict[str, str], used: tuple[str, ...]
) -> Json:
    """Return the canonical attrs of a Plate element (its leftovers in ``plate``).

    Args:
        element: the Plate element.
        canonical: the canonical node type (its schema defaults start the attrs).
        slots: canonical attr -> Plate prop.
        used: further props the caller reads itself (``children`` of a code block...).
    """
    defaults = defaults_of(canonical)
    attrs = dict(defaults)
    props = {prop: key for key, prop in slots.items()}
    plate: Json = {}
    for prop, value in element.items():
        if prop in PLATE_KEYS or prop in used:
            continue
        key = props.get(prop)
        if key is None:
            plate[prop] = value
            continue
        attrs[key] = value
        if value is None or defaults.get(key, UNSET) == value:
            plate[prop] = value  # written explicitly where it would be left out: keep it
    for key, value in ((pm_of(element) or {}).get("attrs") or {}).items():
        if value == UNSET:
            attrs.pop(key, None)
        else:
            attrs[key] = value
    if plate:
        attrs["plate"] = plate
    return attrs


def node_from_plate(
    element: Json, canonical: str, slots: dict[str, str], used: tuple[str, ...] = ()
) -> Json:
    """Build a canonical node (without content) from a Plate element."""
    node: Json = {"type": canonical}
    attrs = props_to_attrs(element, canonical, slots, used)
    if attrs:
        node["attrs"] = attrs
    marks = (pm_of(element) or {}).get("marks")
    if marks:
        node["marks"] = marks
    return node


def element_to_plate(node: Json, plate_type: str, slots: dict[str, str]) -> Json:
    """Build a Plate element (without children) from a canonical node's attrs and marks."""
    element: Json = {"type": plate_type}
    left = attrs_to_props(node, slots, element)
    return with_pm(element, {"attrs": left, "marks": node.get("marks")})
