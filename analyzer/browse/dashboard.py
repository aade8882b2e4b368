"""The dashboard's panel per theme, made from the themes (data, not code) and the study tables that
`analyze compare` writes: the finding in words, the lead-lag profile against its null band, the
effect per sd with its interval, the event study's CAR path with its bands, and the index against
its target on one scale. A panel without data says why instead of drawing empty axes."""

from __future__ import annotations

from analyzer.study.series import move_word
from analyzer.themes import Theme

TARGET_COLORS = ["#4c78a8", "#72b7b2", "#b279a2", "#9d755d"]  # blues and muted tones: red/green mean stance
INDEX_COLOR = "#f58518"
GREY = "#bab0ac"


def _sql(s: str) -> str:
    return s.replace("'", "''")


def _message_layer(text_field: str = "message") -> dict:
    return {
        "transform": [{"filter": f"datum.{text_field} != null"}],
        "mark": {"type": "text", "align": "left", "baseline": "top", "fontSize": 13, "color": "#555"},
        "encoding": {"text": {"field": text_field}, "x": {"value": 8}, "y": {"value": 8}},
    }


def _with_message(sql: str, columns: list[str], message: str) -> str:
    """`sql` with a `message` column; when it returns no row, one row carrying `message` instead."""
    nulls = ", ".join(f"null as {c}" for c in columns)
    return (
        f"select *, null as message from ({sql})\n"
        f"union all select {nulls}, '{_sql(message)}' as message where not exists ({sql})"
    )


def _target_color(theme: Theme) -> dict:
    names = [t.name for t in theme.targets]
    return {"domain": names, "range": TARGET_COLORS[: len(names)]}


def _unit(theme: Theme) -> str:
    kinds = {t.kind for t in theme.targets}
    return "bp of yield" if kinds == {"level_change"} else "bp"


def finding_chart(theme: Theme, db: str) -> dict:
    t = _sql(theme.name)
    return {
        "title": f"{theme.label}: did the narrative lead the returns?",
        "db": db,
        "library": "table",
        "query": (
            f"select verdict, headline as finding from study_findings where theme = '{t}'\n"
            f"union all select 'not computed yet', 'Run analyze compare --theme {t} on this database.' "
            f"where not exists (select 1 from study_findings where theme = '{t}')"
        ),
    }


def lead_lag_chart(theme: Theme, db: str) -> dict:
    t = _sql(theme.name)
    sql = (
        "select target, cast(x as integer) as lag, value as correlation, low as null_low, high as null_high, n "
        f"from study_curves where theme = '{t}' and curve = 'lead_lag' order by target, x"
    )
    x = {
        "field": "lag",
        "type": "ordinal",
        "title": "lag k in sessions (k > 0: the index leads the return)",
        "axis": {"labelAngle": 0},
    }
    return {
        "title": f"{theme.label}: lead-lag correlation of the index with the next days' returns, null 5-95 % in grey",
        "db": db,
        "library": "vega-lite",
        "query": _with_message(
            sql,
            ["target", "lag", "correlation", "null_low", "null_high", "n"],
            "Too little data for a lead-lag profile.",
        ),
        "display": {
            "height": 220,
            "layer": [
                {
                    "transform": [{"filter": "datum.lag != null"}],
                    "mark": {"type": "bar", "color": GREY, "opacity": 0.5, "width": {"band": 0.8}},
                    "encoding": {
                        "x": x,
                        "xOffset": {"field": "target"},
                        "y": {"field": "null_low", "type": "quantitative", "title": "correlation"},
                        "y2": {"field": "null_high"},
                    },
                },
                {
                    "transform": [{"filter": "datum.lag != null"}],
                    "mark": {"type": "bar", "width": {"band": 0.5}},
                    "encoding": {
                        "x": x,
                        "xOffset": {"field": "target"},
                        "y": {"field": "correlation", "type": "quantitative"},
                        "color": {"field": "target", "type": "nominal", "scale": _target_color(theme)},
                        "tooltip": [
                            {"field": "target"},
                            {"field": "lag"},
                            {"field": "correlation", "format": ".3f"},
                            {"field": "null_low", "format": ".3f", "title": "null 5 %"},
                            {"field": "null_high", "format": ".3f", "title": "null 95 %"},
                            {"field": "n", "title": "n (sessions)"},
                        ],
                    },
                },
                {"mark": {"type": "rule", "color": "black"}, "encoding": {"y": {"datum": 0}}},
                _message_layer(),
            ],
        },
    }


def effect_chart(theme: Theme, db: str) -> dict:
    t = _sql(theme.name)
    unit = _unit(theme)
    sql = (
        "select target, horizon, value as effect, ci_low, ci_high, null_low, null_high, p_value, q_value, n, mde "
        f"from study_results where theme = '{t}' and analysis = 'predictive' and statistic = 'beta' "
        "order by target, horizon"
    )
    x = {
        "field": "horizon",
        "type": "ordinal",
        "title": "forward horizon (sessions after the event close)",
        "axis": {"labelAngle": 0},
    }
    tooltip = [
        {"field": "target"},
        {"field": "horizon", "title": "horizon (sessions)"},
        {"field": "effect", "format": "+.1f", "title": f"effect ({unit} per sd)"},
        {"field": "ci_low", "format": "+.1f", "title": "95 % interval, low"},
        {"field": "ci_high", "format": "+.1f", "title": "95 % interval, high"},
        {"field": "p_value", "format": ".3f", "title": "p"},
        {"field": "q_value", "format": ".3f", "title": "q"},
        {"field": "n", "title": "n (sessions)"},
        {"field": "mde", "format": ".1f", "title": "detectable (80 % power)"},
    ]
    return {
        "title": f"{theme.label}: effect in {unit} per 1 sd of the index, 95 % interval (grey: null 5-95 %)",
        "db": db,
        "library": "vega-lite",
        "query": _with_message(
            sql,
            [
                "target",
                "horizon",
                "effect",
                "ci_low",
                "ci_high",
                "null_low",
                "null_high",
                "p_value",
                "q_value",
                "n",
                "mde",
            ],
            "Too little data to estimate an effect.",
        ),
        "display": {
            "height": 220,
            "layer": [
                {
                    "transform": [{"filter": "datum.horizon != null"}],
                    "mark": {"type": "bar", "color": GREY, "opacity": 0.4, "width": {"band": 0.9}},
                    "encoding": {
                        "x": x,
                        "xOffset": {"field": "target"},
                        "y": {"field": "null_low", "type": "quantitative", "title": f"{unit} per sd of the index"},
                        "y2": {"field": "null_high"},
                    },
                },
                {
                    "transform": [{"filter": "datum.horizon != null"}],
                    "mark": {"type": "rule", "strokeWidth": 2},
                    "encoding": {
                        "x": x,
                        "xOffset": {"field": "target"},
                        "y": {"field": "ci_low", "type": "quantitative"},
                        "y2": {"field": "ci_high"},
                        "color": {"field": "target", "type": "nominal", "scale": _target_color(theme)},
                        "tooltip": tooltip,
                    },
                },
                {
                    "transform": [{"filter": "datum.horizon != null"}],
                    "mark": {"type": "point", "filled": True, "size": 70},
                    "encoding": {
                        "x": x,
                        "xOffset": {"field": "target"},
                        "y": {"field": "effect", "type": "quantitative"},
                        "color": {"field": "target", "type": "nominal", "scale": _target_color(theme)},
                        "tooltip": tooltip,
                    },
                },
                {"mark": {"type": "rule", "color": "black"}, "encoding": {"y": {"datum": 0}}},
                _message_layer(),
            ],
        },
    }


def car_chart(theme: Theme, db: str) -> dict:
    t = _sql(theme.name)
    unit = _unit(theme)
    sql = (
        "select a.target, cast(a.x as integer) as k, a.value as car, a.low as ci_low, a.high as ci_high, "
        "b.low as null_low, b.high as null_high, a.n as events from study_curves a join study_curves b "
        "on b.theme = a.theme and b.target = a.target and b.curve = a.curve and b.x = a.x and b.series = 'null 5-95 %' "
        f"where a.theme = '{t}' and a.curve = 'event_car' and a.series = 'mean signed CAR' order by a.target, a.x"
    )
    x = {"field": "k", "type": "quantitative", "title": "sessions from the event session's close"}
    return {
        "title": f"{theme.label}: event study, cumulative abnormal return after narrative shocks ({unit}, signed; "
        "band 95 %, grey null 5-95 %)",
        "db": db,
        "library": "vega-lite",
        "query": _with_message(
            sql,
            ["target", "k", "car", "ci_low", "ci_high", "null_low", "null_high", "events"],
            "Too few events (needs 10 shocks a window apart).",
        ),
        "display": {
            "height": 220,
            "layer": [
                {
                    "transform": [{"filter": "datum.k != null"}],
                    "mark": {"type": "area", "color": GREY, "opacity": 0.35},
                    "encoding": {
                        "x": x,
                        "y": {"field": "null_low", "type": "quantitative", "title": f"CAR, {unit}"},
                        "y2": {"field": "null_high"},
                        "detail": {"field": "target"},
                    },
                },
                {
                    "transform": [{"filter": "datum.k != null"}],
                    "mark": {"type": "area", "opacity": 0.25},
                    "encoding": {
                        "x": x,
                        "y": {"field": "ci_low", "type": "quantitative"},
                        "y2": {"field": "ci_high"},
                        "color": {"field": "target", "type": "nominal", "scale": _target_color(theme)},
                    },
                },
                {
                    "transform": [{"filter": "datum.k != null"}],
                    "mark": {"type": "line", "strokeWidth": 2, "point": False},
                    "encoding": {
                        "x": x,
                        "y": {"field": "car", "type": "quantitative"},
                        "color": {"field": "target", "type": "nominal", "scale": _target_color(theme)},
                        "tooltip": [
                            {"field": "target"},
                            {"field": "k", "title": "sessions after"},
                            {"field": "car", "format": "+.1f", "title": f"CAR ({unit})"},
                            {"field": "ci_low", "format": "+.1f"},
                            {"field": "ci_high", "format": "+.1f"},
                            {"field": "events"},
                        ],
                    },
                },
                {"mark": {"type": "rule", "color": "black"}, "encoding": {"y": {"datum": 0}}},
                _message_layer(),
            ],
        },
    }


def index_chart(theme: Theme, db: str) -> dict:
    t = _sql(theme.name)
    first = _sql(theme.targets[0].name)
    sql = (
        "select session, case when series = 'index' then 'narrative index' else series end as series, value "
        f"from study_curves where theme = '{t}' and curve = 'index_vs_target' "
        f"and (series != 'index' or target = '{first}') order by session"
    )
    domain = ["narrative index"] + [f"{x.name} {move_word(x.kind)}" for x in theme.targets]
    return {
        "title": f"{theme.label}: the index and its target on one scale (10-session means, standard deviations)",
        "db": db,
        "library": "vega-lite",
        "query": _with_message(sql, ["session", "series", "value"], "No index yet: run analyze compare."),
        "display": {
            "height": 220,
            "layer": [
                {
                    "transform": [{"filter": "datum.session != null"}],
                    "mark": {"type": "line", "point": False, "strokeWidth": 1.5},
                    "encoding": {
                        "x": {
                            "field": "session",
                            "type": "temporal",
                            "title": None,
                            "axis": {"format": "%b %Y", "tickCount": "month", "labelOverlap": True},
                        },
                        "y": {"field": "value", "type": "quantitative", "title": "standard deviations"},
                        "color": {
                            "field": "series",
                            "type": "nominal",
                            "title": None,
                            "scale": {"domain": domain, "range": [INDEX_COLOR, *TARGET_COLORS[: len(domain) - 1]]},
                            "legend": {"orient": "top"},
                        },
                        "tooltip": [
                            {"field": "session", "type": "temporal"},
                            {"field": "series"},
                            {"field": "value", "format": "+.2f"},
                        ],
                    },
                },
                _message_layer(),
            ],
        },
    }


def theme_panels(themes, db: str) -> tuple[dict, list[list[str]]]:
    """Charts and layout rows for every theme's panel."""
    charts: dict = {}
    layout: list[list[str]] = []
    for theme in themes:
        slug = theme.name
        charts[f"{slug}_finding"] = finding_chart(theme, db)
        charts[f"{slug}_lead_lag"] = lead_lag_chart(theme, db)
        charts[f"{slug}_effect"] = effect_chart(theme, db)
        charts[f"{slug}_car"] = car_chart(theme, db)
        charts[f"{slug}_index"] = index_chart(theme, db)
        layout += [
            [f"{slug}_finding", f"{slug}_finding"],
            [f"{slug}_lead_lag", f"{slug}_effect"],
            [f"{slug}_car", f"{slug}_index"],
        ]
    return charts, layout
