"""One date format, in the user's zone and language (followup.domain.date_display, followup.domain.due_groups)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from followup.domain.date_display import absolute, day, pick_language, relative
from followup.domain.due_groups import DueGroup, due_group, group_by_due

NOW = datetime(2026, 12, 2, 13, 40, tzinfo=timezone.utc)  # a Wednesday


def test_the_absolute_format_follows_the_language_and_the_zone():
    assert absolute(NOW, "Europe/Berlin", "en") == "Wed, Dec 2, 2026, 2:40\u202fPM"
    assert absolute(NOW, "Europe/Berlin", "de") == "Mi., 2. Dez. 2026, 14:40"
    assert absolute(NOW, "America/New_York", "en_GB") == "Wed, 2 Dec 2026, 08:40"
    assert day(NOW, "Pacific/Auckland", "en") == "Thu, Dec 3, 2026"  # already tomorrow there


def test_an_unknown_zone_or_language_falls_back_instead_of_failing():
    assert absolute(NOW, "Mars/Olympus", "xx") == absolute(NOW, "UTC", "en")
    assert pick_language(["xx", "de-DE", "en"]) == "de_DE"
    assert pick_language([]) == "en"


def test_relative_times_read_as_words():
    assert relative(NOW - timedelta(days=3), NOW, "en") == "3 days ago"
    assert relative(NOW + timedelta(hours=5), NOW, "en") == "in 5 hours"
    assert relative(NOW + timedelta(seconds=5), NOW, "en") == "in 1 minute"
    assert relative(NOW - timedelta(days=3), NOW, "fr") == "il y a 3 jours"


def test_due_groups_in_the_users_zone():
    zone = "Europe/Berlin"  # 14:40 local on Wed 2 Dec
    assert due_group(NOW - timedelta(minutes=1), NOW, zone) is DueGroup.OVERDUE
    assert due_group(NOW + timedelta(hours=9), NOW, zone) is DueGroup.TODAY  # 23:40 local
    assert due_group(NOW + timedelta(hours=10), NOW, zone) is DueGroup.THIS_WEEK  # 00:40 Thursday
    assert due_group(datetime(2026, 12, 6, 22, 59, tzinfo=timezone.utc), NOW, zone) is DueGroup.THIS_WEEK  # Sun 23:59
    assert due_group(datetime(2026, 12, 6, 23, 0, tzinfo=timezone.utc), NOW, zone) is DueGroup.UPCOMING  # Mon 00:00


def test_grouping_keeps_the_order_within_a_group():
    class Row:
        def __init__(self, name, due_at):
            self.name, self.due_at = name, due_at

    rows = [Row("a", NOW + timedelta(days=20)), Row("b", NOW - timedelta(days=1)), Row("c", NOW - timedelta(hours=1)),
            Row("d", NOW + timedelta(hours=2))]
    groups = group_by_due(rows, NOW, "UTC")
    assert [(g, [r.name for r in items]) for g, items in groups] == [
        (DueGroup.OVERDUE, ["b", "c"]), (DueGroup.TODAY, ["d"]), (DueGroup.UPCOMING, ["a"])]
