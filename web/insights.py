"""The lead's page ("Team"; "Insights" for a rep about their own mailboxes): four charts of
the last twelve weeks, each an SVG drawn on the server by pygal beside a table of its numbers.

The page's CSP allows styles from this origin only, and pygal's SVG carries its own <style>:
so each chart is a document of its own at /insights/<name>.svg, shown in an <img>, served
with a CSP that allows its inline style and nothing else (and pygal's script left out, js=[]).
"""

from __future__ import annotations

import math

from flask import Blueprint, Response, abort, render_template
from flask_login import current_user, login_required
import pygal
from pygal.style import DefaultStyle

from followup.domain.insight_figures import LAST_NUDGE, Deadline, week_starts_at
from followup.domain.vocabulary import Label
from followup.insights import Insights, compute_insights
from web.auth import signed_in_user
from web import view_cache
from web.database import get_db
from web.formatting import kind_title, local_day, now, user_zone
from web.scoping import counted_mailboxes, is_lead

bp = Blueprint("insights", __name__, url_prefix="/insights")

CHART_CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'"

CHART_TITLES = {
    "open": "Open follow-ups per rep and kind",
    "replies": "Median hours to the first reply, by week received",
    "deadlines": "Complaint first-response deadlines, by week received",
    "nudges": "Waits answered, by the nudge they came after",
}

REPLY_SERIES = ((str(Label.INQUIRY), "Inquiries"), (str(Label.COMPLAINT), "Complaints"))
DEADLINE_SERIES = ((str(Deadline.MET), "Met"), (str(Deadline.MISSED), "Missed"), (str(Deadline.PENDING), "Pending"))


def nudge_bucket_titles() -> list[str]:
    ordinals = {1: "1st", 2: "2nd", 3: "3rd"}
    titles = ["Before any nudge"] + [f"After the {ordinals[n]} nudge" for n in range(1, LAST_NUDGE + 1)]
    titles[-1] += " or later"
    return titles


def page_title(user) -> str:
    return "Team" if is_lead(user) else "Insights"


@bp.app_template_global("insights_nav_title")
def insights_nav_title() -> str:
    return page_title(current_user.row)


def _insights(fresh: bool) -> tuple[Insights, list[str]]:
    """The signed-in user's figures and the weeks' labels (their Mondays, in the one date format)."""
    user = signed_in_user()
    db = get_db()
    zone = user_zone(user.timezone)
    insights = view_cache.insights(
        user.id, lambda: compute_insights(db, counted_mailboxes(db, user), now(), zone), fresh=fresh)
    weeks = [local_day(week_starts_at(monday, zone), user.timezone) for monday in insights.weeks]
    return insights, weeks


def hours(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


@bp.get("/")
@login_required
def index():
    insights, weeks = _insights(fresh=True)
    user = signed_in_user()
    return render_template(
        "insights/index.html", title=page_title(user), lead=is_lead(user), insights=insights, weeks=weeks,
        titles=CHART_TITLES, kind_title=kind_title, reply_series=REPLY_SERIES, deadline_series=DEADLINE_SERIES,
        nudge_titles=nudge_bucket_titles(), hours=hours,
    )


# The page's sans-serif on white (pygal's default is a monospace font on grey).
CHART_FONTS = dict(font_family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", background="white",
                   plot_background="white", title_font_size=18)
CHART_STYLE = DefaultStyle(**CHART_FONTS)
DEADLINE_STYLE = DefaultStyle(colors=("#2e7d32", "#c62828", "#9e9e9e"), **CHART_FONTS)  # met, missed, pending


def _without_scripts(root):
    """pygal writes its config as a <script> even with js=[]: an <img> runs none, and none is sent."""
    for parent in list(root.iter()):
        for child in list(parent):
            if isinstance(child.tag, str) and child.tag.rpartition("}")[2] == "script":
                parent.remove(child)
    return root


def _chart(kind, title: str, style=CHART_STYLE, **config):
    chart = kind(title=title, js=[], style=style, width=720, height=400, legend_at_bottom=True,
                 truncate_legend=-1, truncate_label=-1, no_data_text="Nothing yet", **config)
    chart.add_xml_filter(_without_scripts)
    return chart


def _count_labels(chart, totals) -> None:
    """Whole numbers on the axis of a chart of counts (pygal would step 0.2 up to 3)."""
    top = max(totals, default=0)
    step = max(1, math.ceil(top / 8))
    chart.y_labels = list(range(0, top + step + 1, step))


def _open_chart(insights: Insights, weeks: list[str]):
    chart = _chart(pygal.StackedBar, CHART_TITLES["open"])
    chart.x_labels = [row.rep for row in insights.open_rows]
    for i, kind in enumerate(insights.kinds):
        chart.add(kind_title(kind), [row.counts[i] for row in insights.open_rows])
    _count_labels(chart, [row.total for row in insights.open_rows])
    return chart


def _replies_chart(insights: Insights, weeks: list[str]):
    chart = _chart(pygal.Line, CHART_TITLES["replies"], x_label_rotation=30, allow_interruptions=True)
    chart.x_labels = weeks
    for label, title in REPLY_SERIES:
        chart.add(title, insights.reply_hours[label])
    return chart


def _deadlines_chart(insights: Insights, weeks: list[str]):
    chart = _chart(pygal.StackedBar, CHART_TITLES["deadlines"], style=DEADLINE_STYLE, x_label_rotation=30)
    chart.x_labels = weeks
    for outcome, title in DEADLINE_SERIES:
        chart.add(title, insights.deadlines[outcome])
    _count_labels(chart, [sum(week) for week in zip(*insights.deadlines.values())])
    return chart


def _nudges_chart(insights: Insights, weeks: list[str]):
    chart = _chart(pygal.Bar, CHART_TITLES["nudges"], show_legend=False)
    chart.x_labels = nudge_bucket_titles()
    chart.add("Answered", insights.answered_after)
    _count_labels(chart, insights.answered_after)
    return chart


CHARTS = {"open": _open_chart, "replies": _replies_chart, "deadlines": _deadlines_chart, "nudges": _nudges_chart}


@bp.get("/<name>.svg")
@login_required
def chart(name: str):
    build = CHARTS.get(name)
    if build is None:
        abort(404)
    insights, weeks = _insights(fresh=False)
    response = Response(build(insights, weeks).render(), mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = CHART_CONTENT_SECURITY_POLICY
    response.headers["Cache-Control"] = "no-store"  # the numbers of the signed-in user's team
    return response
