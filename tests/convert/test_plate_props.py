"""What has no slot on the other side rides along: ``pm`` props, ``plate`` attrs, carriers."""

from __future__ import annotations

from pagesync.convert.plate import canonical_to_plate, plate_to_canonical

from .plate_helpers import both_ways, doc, p, para, text


def test_unknown_element_is_kept_verbatim() -> None:
    toggle = {"type": "toggle", "id": "t", "children": [{"text": "x", "bold": True}]}
    column = {"type": "column_group", "children": [{"type": "column", "children": [p()]}]}
    canonical = both_ways([toggle, column])
    assert canonical["content"][0] == {"type": "plateElement", "attrs": {"element": toggle}}


def test_unknown_canonical_node_rides_in_pm() -> None:
    drawio = {"type": "drawio", "attrs": {"src": "d.svg"}}
    plate = canonical_to_plate(doc(drawio))
    assert plate == [{"type": "drawio", "pm": drawio, "children": [{"text": ""}]}]
    assert plate_to_canonical(plate) == doc(drawio)


def test_leftover_attrs_ride_in_pm_and_plate() -> None:
    docmost = doc(para(text("x"), id="b1", textAlign=None))
    plate = canonical_to_plate(docmost)
    assert plate == [
        {"type": "p", "id": "b1", "pm": {"attrs": {"textAlign": None}}, "children": [{"text": "x"}]}
    ]
    assert plate_to_canonical(plate) == docmost
    value = [p({"text": "x"}, align="center", lineHeight=2)]
    assert both_ways(value)["content"][0]["attrs"] == {
        "textAlign": "center",
        "plate": {"lineHeight": 2},
    }
