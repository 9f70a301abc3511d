"""Vega-Lite specifications of the impact charts, as plain dicts (no Django imports).

Built like :mod:`veikart.adoption.charts` (same colours, fonts and shapes; drawn by
``veikart/charts.js``): every chart has its numbers in a table beside it, so the tooltips show
the text the table shows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from veikart.adoption.charts import CONFIG, GRID, MARKER, PALETTE, SCHEMA, SHAPES


def event_study(
    points: Sequence[Mapping[str, object]],
    *,
    x_title: str,
    y_title: str,
    titles: Mapping[str, str],
) -> dict[str, Any]:
    """Effects by weeks since training with their intervals: ``points`` have ``e`` (the middle
    of the period), ``estimate``, ``lower``, ``upper``, ``series`` (before / after), ``label``
    and ``text``. A zero line, and a dashed rule where training happens (e = 0)."""
    series = list(dict.fromkeys(str(p["series"]) for p in points))
    colour = {"domain": series, "range": [PALETTE[4], PALETTE[0]][-len(series) :] or PALETTE}
    shape = {"domain": series, "range": [SHAPES[1], SHAPES[0]][-len(series) :] or SHAPES}
    x = {"field": "e", "type": "quantitative", "title": x_title, "axis": {"grid": False}}
    return {
        "$schema": SCHEMA,
        "width": "container",
        "height": 300,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "config": CONFIG,
        "layer": [
            {
                "data": {"values": [{"y": 0}]},
                "mark": {"type": "rule", "color": GRID, "strokeWidth": 1.5, "aria": False},
                "encoding": {"y": {"field": "y", "type": "quantitative"}},
            },
            {
                "data": {"values": [{"x": -0.5}]},
                "mark": {"type": "rule", "color": MARKER, "strokeDash": [6, 3], "aria": False},
                "encoding": {"x": {"field": "x", "type": "quantitative"}},
            },
            {
                "data": {"values": list(points)},
                "mark": {"type": "rule", "strokeWidth": 2, "aria": False},
                "encoding": {
                    "x": x,
                    "y": {"field": "lower", "type": "quantitative", "title": y_title},
                    "y2": {"field": "upper"},
                    "color": {"field": "series", "type": "nominal", "title": None,
                              "scale": colour},
                },
            },
            {
                "data": {"values": list(points)},
                "mark": {"type": "point", "filled": True, "size": 70, "aria": False},
                "encoding": {
                    "x": x,
                    "y": {"field": "estimate", "type": "quantitative"},
                    "color": {"field": "series", "type": "nominal", "title": None,
                              "scale": colour},
                    "shape": {"field": "series", "type": "nominal", "title": None,
                              "scale": shape},
                    "tooltip": [
                        {"field": "label", "title": titles["period"]},
                        {"field": "text", "title": titles["value"]},
                    ],
                },
            },
        ],
    }  # fmt: skip


def path(
    points: Sequence[Mapping[str, object]],
    bands: Sequence[Mapping[str, object]],
    *,
    series: Sequence[str],
    y_title: str,
    titles: Mapping[str, str],
) -> dict[str, Any]:
    """Weekly lines (``period``, ``series``, ``value``, ``label``, ``text``) with a band
    (``period``, ``lower``, ``upper``) around the estimated line without training."""
    x = {"field": "period", "type": "temporal", "title": None,
         "axis": {"labelOverlap": True, "grid": False}}  # fmt: skip
    colour = {"domain": list(series), "range": PALETTE[: len(series)] or PALETTE}
    layers: list[dict[str, Any]] = []
    if bands:
        layers.append({
            "data": {"values": list(bands)},
            "mark": {"type": "area", "opacity": 0.2, "color": PALETTE[1], "aria": False},
            "encoding": {"x": x, "y": {"field": "lower", "type": "quantitative"},
                         "y2": {"field": "upper"}},
        })  # fmt: skip
    layers.append({
        "data": {"values": list(points)},
        "mark": {"type": "line", "strokeWidth": 2, "aria": False,
                 "point": {"filled": True, "size": 20, "aria": False}},
        "encoding": {
            "x": x,
            "y": {"field": "value", "type": "quantitative", "title": y_title,
                  "scale": {"zero": False}},
            "color": {"field": "series", "type": "nominal", "title": None, "scale": colour,
                      "sort": list(series)},
            "shape": {"field": "series", "type": "nominal", "title": None,
                      "scale": {"domain": list(series), "range": SHAPES[: len(series)]},
                      "sort": list(series)},
            "strokeDash": {"field": "series", "type": "nominal", "title": None,
                           "scale": {"domain": list(series),
                                     "range": [[1, 0], [6, 3], [2, 2]][: len(series)]}},
            "tooltip": [
                {"field": "label", "title": titles["period"]},
                {"field": "series", "title": titles["series"]},
                {"field": "text", "title": titles["value"]},
            ],
        },
    })  # fmt: skip
    return {
        "$schema": SCHEMA,
        "width": "container",
        "height": 300,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "config": CONFIG,
        "layer": layers,
    }
