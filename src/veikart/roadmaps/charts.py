"""Vega-Lite specifications of the roadmap's charts, as plain dicts (no Django imports).

As on the adoption dashboards, every chart has its numbers in a table beside it and the tooltips
show the text the table shows. Colours and shapes come from :mod:`veikart.adoption.charts`; no
series is told apart by colour alone (the forecast is dashed, its band lighter, the threshold a
labelled rule).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from veikart.adoption.charts import CONFIG, MARKER, PALETTE, SCHEMA, SHAPES, TEXT

BAND = "#9CC3E6"  # the forecast band: a light tint of the accent blue (an area, not a line)


def timeline(
    bars: Sequence[Mapping[str, object]],
    milestones: Sequence[Mapping[str, object]],
    *,
    statuses: Sequence[str],
    today: str | None,
    today_label: str,
    titles: Mapping[str, str],
) -> dict[str, Any]:
    """A Gantt-like chart: one bar per initiative from start to end, coloured and shaped by status,
    with its milestones as diamonds and a rule for today.

    ``bars``: ``label`` (the row), ``start``, ``end`` (ISO dates), ``status`` (one of
    ``statuses``), ``span`` (the dates as text). ``milestones``: ``label``, ``day``, ``text``.
    """
    order = [str(b["label"]) for b in bars]
    y = {"field": "label", "type": "nominal", "title": None, "sort": order}
    layers: list[dict[str, Any]] = [
        {
            "data": {"values": list(bars)},
            "mark": {"type": "bar", "aria": False, "cornerRadius": 3, "height": {"band": 0.6}},
            "encoding": {
                "y": {**y, "axis": {"labelLimit": 320}},
                "x": {
                    "field": "start",
                    "type": "temporal",
                    "title": None,
                    "axis": {"labelOverlap": True, "grid": True, "format": "%b %Y"},
                },
                "x2": {"field": "end"},
                "color": {
                    "field": "status",
                    "type": "nominal",
                    "title": titles["status"],
                    "scale": {"domain": list(statuses), "range": PALETTE[: len(statuses)]},
                    "sort": list(statuses),
                },
                "tooltip": [
                    {"field": "label", "title": titles["initiative"]},
                    {"field": "span", "title": titles["span"]},
                    {"field": "status", "title": titles["status"]},
                ],
            },
        }
    ]
    if milestones:
        layers.append(
            {
                "data": {"values": list(milestones)},
                "mark": {
                    "type": "point",
                    "aria": False,
                    "shape": "diamond",
                    "filled": True,
                    "size": 70,
                    "color": TEXT,
                    "stroke": "#FFFFFF",
                    "strokeWidth": 1,
                },
                "encoding": {
                    "y": y,
                    "x": {"field": "day", "type": "temporal"},
                    "tooltip": [
                        {"field": "label", "title": titles["initiative"]},
                        {"field": "date", "title": titles["day"]},
                        {"field": "text", "title": titles["milestone"]},
                    ],
                },
            }
        )
    if today is not None:
        marker = [{"day": today, "label": today_label}]
        layers.append(
            {
                "data": {"values": marker},
                "mark": {"type": "rule", "aria": False, "color": MARKER, "strokeDash": [6, 3]},
                "encoding": {"x": {"field": "day", "type": "temporal"}},
            }
        )
        layers.append(
            {
                "data": {"values": marker},
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
                    "y": {"value": -14},
                    "text": {"field": "label"},
                },
            }
        )
    return {
        "$schema": SCHEMA,
        "width": "container",
        "height": {"step": 30},
        "autosize": {"type": "fit-x", "contains": "padding"},
        "padding": {"top": 18, "left": 5, "right": 5, "bottom": 5},
        "config": CONFIG,
        "layer": layers,
    }


def target_chart(
    observed: Sequence[Mapping[str, object]],
    forecast: Sequence[Mapping[str, object]],
    *,
    threshold: float,
    threshold_label: str,
    due: str,
    due_label: str,
    y_title: str,
    y_format: str,
    percent: bool,
    series: Sequence[str],
    titles: Mapping[str, str],
) -> dict[str, Any]:
    """The target's metric week by week, its forecast with the uncertainty band, the threshold
    as a horizontal rule and the due date as a vertical one.

    ``observed``: ``period``, ``label``, ``value`` (null where hidden: the line breaks), ``text``,
    ``series`` (``series[0]``). ``forecast``: ``period``, ``label``, ``median``, ``lower``,
    ``upper``, ``text``, ``band`` (the band as text), ``series`` (``series[1]``).
    """
    y_scale: dict[str, Any] = {"zero": False}
    if percent:
        y_scale = {"domain": [0, 100], "nice": False}
    x = {
        "field": "period",
        "type": "temporal",
        "title": None,
        "axis": {"labelOverlap": True, "grid": False},
    }
    colour = {
        "field": "series",
        "type": "nominal",
        "title": None,
        "scale": {"domain": list(series), "range": PALETTE[: len(series)]},
        "sort": list(series),
    }
    layers: list[dict[str, Any]] = []
    if forecast:
        layers.append(
            {
                "data": {"values": list(forecast)},
                "mark": {"type": "area", "aria": False, "color": BAND, "opacity": 0.45},
                "encoding": {
                    "x": x,
                    "y": {"field": "lower", "type": "quantitative"},
                    "y2": {"field": "upper"},
                    "tooltip": [
                        {"field": "label", "title": titles["period"]},
                        {"field": "band", "title": titles["band"]},
                    ],
                },
            }
        )
        layers.append(
            {
                "data": {"values": list(forecast)},
                "mark": {"type": "line", "aria": False, "strokeWidth": 2, "strokeDash": [6, 3]},
                "encoding": {
                    "x": x,
                    "y": {"field": "median", "type": "quantitative"},
                    "color": colour,
                    "tooltip": [
                        {"field": "label", "title": titles["period"]},
                        {"field": "text", "title": titles["forecast"]},
                        {"field": "band", "title": titles["band"]},
                    ],
                },
            }
        )
    layers.append(
        {
            "data": {"values": list(observed)},
            "mark": {
                "type": "line",
                "aria": False,
                "strokeWidth": 2,
                "invalid": "break-paths-show-domains",
                "point": {"filled": True, "size": 30, "aria": False, "shape": SHAPES[0]},
            },
            "encoding": {
                "x": x,
                "y": {
                    "field": "value",
                    "type": "quantitative",
                    "title": y_title,
                    "scale": y_scale,
                    "axis": {"format": y_format},
                },
                "color": colour,
                "tooltip": [
                    {"field": "label", "title": titles["period"]},
                    {"field": "text", "title": titles["value"]},
                ],
            },
        }
    )
    rule = [{"value": threshold, "label": threshold_label}]
    layers.append(
        {
            "data": {"values": rule},
            "mark": {"type": "rule", "aria": False, "color": PALETTE[1], "strokeWidth": 2},
            "encoding": {
                "y": {"field": "value", "type": "quantitative"},
                "tooltip": [{"field": "label"}],
            },
        }
    )
    layers.append(
        {
            "data": {"values": rule},
            "mark": {
                "type": "text",
                "aria": False,
                "align": "left",
                "baseline": "bottom",
                "dx": 4,
                "dy": -3,
                "fontSize": 11,
                "color": TEXT,
            },
            "encoding": {
                "x": {"value": 0},
                "y": {"field": "value", "type": "quantitative"},
                "text": {"field": "label"},
            },
        }
    )
    due_marker = [{"day": due, "label": due_label}]
    layers.append(
        {
            "data": {"values": due_marker},
            "mark": {"type": "rule", "aria": False, "color": MARKER, "strokeDash": [2, 2]},
            "encoding": {
                "x": {"field": "day", "type": "temporal"},
                "tooltip": [{"field": "label"}],
            },
        }
    )
    layers.append(
        {
            "data": {"values": due_marker},
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
    }
