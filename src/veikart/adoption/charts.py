"""Vega-Lite specifications of the dashboard charts, as plain dicts (no Django imports).

The pages carry a spec as JSON (``json_script``) and ``veikart/charts.js`` draws it with vega-embed.
Every chart has its numbers in a data table beside it, so the specs are built for looking, not for
reading values off: the tooltips show the text the table shows (formatted on the server).

Colours: each has at least 3:1 contrast against white (WCAG 2.1, 1.4.11), and no series is told
apart by colour alone — the points of each series have their own shape too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
# Designsystemet's accent blue, then orange, green, purple, grey, red: all ≥ 5:1 on white.
PALETTE = ["#0062BA", "#B3440E", "#1A7F37", "#7B2FB5", "#4D4D4D", "#C2185B"]
SHAPES = ["circle", "square", "triangle-up", "diamond", "cross", "triangle-down"]
TEXT = "#1F2C3D"  # Designsystemet's neutral text colour
GRID = "#D5D9DE"
MARKER = "#4D4D4D"
MARKER_DASHES = [[1, 0], [6, 3], [2, 2]]  # merger solid, lockdown dashed, training dotted
FONT = "Inter, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"

CONFIG: dict[str, Any] = {
    "font": FONT,
    "background": "#FFFFFF",
    "view": {"stroke": None},
    "axis": {
        "labelColor": TEXT,
        "titleColor": TEXT,
        "gridColor": GRID,
        "domainColor": MARKER,
        "tickColor": MARKER,
        "labelFontSize": 12,
        "titleFontSize": 12,
        "titleFontWeight": 600,
    },
    "legend": {
        "labelColor": TEXT,
        "titleColor": TEXT,
        "labelFontSize": 12,
        "titleFontSize": 12,
        "orient": "bottom",
        "direction": "horizontal",
        "labelLimit": 320,
    },
    # The page gives the chart its text alternative (and a table); the marks need no ARIA of
    # their own, which a screen reader would otherwise read out one by one.
    "aria": False,
}


def axis_format(unit: str) -> str:
    """A d3 number format for the value axis of a metric's unit."""
    return {"percent": ",.0f", "ratio": ".2~f", "per_person": ",.1~f"}.get(unit, ",~f")


def time_chart(
    points: Sequence[Mapping[str, object]],
    *,
    series: Sequence[str],
    y_title: str,
    y_format: str,
    percent: bool,
    markers: Sequence[Mapping[str, object]],
    marker_kinds: Sequence[str],
    titles: Mapping[str, str],
) -> dict[str, Any]:
    """Lines over time, one per series, with vertical rules for the markers.

    ``points``: ``period`` (ISO date), ``label``, ``series``, ``value`` (null where hidden: the
    line breaks there) and ``text`` (the value as the table shows it). ``markers``: ``day``,
    ``kind`` (one of ``marker_kinds``), ``text`` and ``label`` (drawn beside the rule; empty for
    none).
    """
    y_scale: dict[str, Any] = {"zero": False}
    if percent:
        y_scale = {"domain": [0, 100], "nice": False}
    layers: list[dict[str, Any]] = [
        {
            "data": {"values": list(points)},
            "mark": {
                "type": "line",
                "aria": False,
                "strokeWidth": 2,
                "invalid": "break-paths-show-domains",
                "point": {"filled": True, "size": 36, "aria": False},
            },
            "encoding": {
                "x": {
                    "field": "period",
                    "type": "temporal",
                    "title": None,
                    "axis": {"labelOverlap": True, "grid": False},
                },
                "y": {
                    "field": "value",
                    "type": "quantitative",
                    "title": y_title,
                    "scale": y_scale,
                    "axis": {"format": y_format},
                },
                "color": {
                    "field": "series",
                    "type": "nominal",
                    "title": None,
                    "scale": {"domain": list(series), "range": PALETTE[: len(series)] or PALETTE},
                    "sort": list(series),
                },
                "shape": {
                    "field": "series",
                    "type": "nominal",
                    "title": None,
                    "scale": {"domain": list(series), "range": SHAPES[: len(series)] or SHAPES},
                    "sort": list(series),
                },
                "tooltip": [
                    {"field": "label", "title": titles["period"]},
                    {"field": "series", "title": titles["series"]},
                    {"field": "text", "title": titles["value"]},
                ],
            },
        }
    ]
    if markers:
        kinds = [k for k in marker_kinds if any(m["kind"] == k for m in markers)]
        dashes = [MARKER_DASHES[list(marker_kinds).index(k) % len(MARKER_DASHES)] for k in kinds]
        layers.append(
            {
                "data": {"values": list(markers)},
                "mark": {"type": "rule", "color": MARKER, "strokeWidth": 1.5, "aria": False},
                "encoding": {
                    "x": {"field": "day", "type": "temporal"},
                    "strokeDash": {
                        "field": "kind",
                        "type": "nominal",
                        "title": titles["marker"],
                        "scale": {"domain": kinds, "range": dashes},
                    },
                    "tooltip": [
                        {"field": "kind", "title": titles["marker"]},
                        {"field": "text", "title": titles["day"]},
                    ],
                },
            }
        )
        labelled = [m for m in markers if m.get("label")]
        if labelled:
            layers.append(
                {
                    "data": {"values": labelled},
                    "mark": {
                        "type": "text",
                        "aria": False,
                        "align": "left",
                        "baseline": "top",
                        "dx": 4,
                        "fontSize": 11,
                        "color": TEXT,
                    },
                    "encoding": {
                        "x": {"field": "day", "type": "temporal"},
                        "y": {"value": 4},
                        "text": {"field": "label"},
                    },
                }
            )
    return {
        "$schema": SCHEMA,
        "width": "container",
        "height": 280,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "config": CONFIG,
        "layer": layers,
        "resolve": {"legend": {"color": "shared", "shape": "shared"}},
    }


def sparkline(points: Sequence[Mapping[str, object]], *, percent: bool) -> dict[str, Any]:
    """A small line without axes: the trend at a glance (the numbers are in a table)."""
    y_scale: dict[str, Any] = {"zero": False}
    if percent:
        y_scale = {"domain": [0, 100], "nice": False}
    return {
        "$schema": SCHEMA,
        "width": "container",
        "height": 48,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "config": {**CONFIG, "view": {"stroke": None}},
        "data": {"values": list(points)},
        "mark": {
            "type": "line",
            "aria": False,
            "strokeWidth": 2,
            "color": PALETTE[0],
            "invalid": "break-paths-show-domains",
        },
        "encoding": {
            "x": {"field": "period", "type": "temporal", "axis": None},
            "y": {"field": "value", "type": "quantitative", "axis": None, "scale": y_scale},
            "tooltip": [{"field": "label"}, {"field": "text"}],
        },
    }


def bar_chart(
    bars: Sequence[Mapping[str, object]],
    *,
    x_title: str,
    x_format: str,
    reference: float | None,
    reference_label: str,
    titles: Mapping[str, str],
) -> dict[str, Any]:
    """Horizontal bars, lowest first, with the whole organisation's value as a rule."""
    layers: list[dict[str, Any]] = [
        {
            "data": {"values": list(bars)},
            "mark": {"type": "bar", "color": PALETTE[0], "aria": False},
            "encoding": {
                "y": {
                    "field": "unit",
                    "type": "nominal",
                    "title": None,
                    "sort": [str(b["unit"]) for b in bars],
                    "axis": {"labelLimit": 240},
                },
                "x": {
                    "field": "value",
                    "type": "quantitative",
                    "title": x_title,
                    "axis": {"format": x_format},
                },
                "tooltip": [
                    {"field": "unit", "title": titles["unit"]},
                    {"field": "text", "title": titles["value"]},
                ],
            },
        }
    ]
    if reference is not None:
        layers.append(
            {
                "data": {"values": [{"value": reference, "label": reference_label}]},
                "mark": {
                    "type": "rule",
                    "aria": False,
                    "color": PALETTE[1],
                    "strokeWidth": 2,
                    "strokeDash": [6, 3],
                },
                "encoding": {
                    "x": {"field": "value", "type": "quantitative"},
                    "tooltip": [{"field": "label"}],
                },
            }
        )
        layers.append(
            {
                "data": {"values": [{"value": reference, "label": reference_label}]},
                "mark": {
                    "type": "text",
                    "aria": False,
                    "align": "left",
                    "dx": 4,
                    "dy": -4,
                    "baseline": "bottom",
                    "color": TEXT,
                    "fontSize": 11,
                },
                "encoding": {
                    "x": {"field": "value", "type": "quantitative"},
                    "y": {"value": 0},
                    "text": {"field": "label"},
                },
            }
        )
    return {
        "$schema": SCHEMA,
        "width": "container",
        "height": {"step": 26},
        "autosize": {"type": "fit-x", "contains": "padding"},
        "config": CONFIG,
        "layer": layers,
    }
