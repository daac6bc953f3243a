"""Dated promises in a message's text, in the seven languages, read against the mail's own date."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from followup.domain.rules.promise import find_promise

WED_2_DEC = datetime(2026, 12, 2, 16, 30, tzinfo=timezone.utc)


@pytest.mark.parametrize("text, day, span", [
    ("Thanks! I'll send you the drawings on Friday.", date(2026, 12, 4), "I'll send you the drawings on Friday"),
    ("Fine, we will send the PO by 12 May, best, Ann", date(2027, 5, 12), "we will send the PO by 12 May"),
    ("Ich werde Ihnen die Zeichnungen bis Freitag schicken.", date(2026, 12, 4), None),
    ("Nous vous enverrons le bon de commande avant le 10 décembre.", date(2026, 12, 10), None),
    ("Le enviaremos el pedido antes del 15 de diciembre.", date(2026, 12, 15), None),
    ("Vi invieremo l'ordine entro il 18 dicembre.", date(2026, 12, 18), None),
    ("We sturen de tekeningen uiterlijk 11 december.", date(2026, 12, 11), None),
    ("Enviaremos a encomenda até 14 de dezembro.", date(2026, 12, 14), None),
])
def test_a_dated_promise_gives_its_day_and_span(text, day, span):
    promise = find_promise(text, WED_2_DEC)
    assert promise is not None and promise.day == day
    if span:
        assert promise.span(text) == span


def test_the_day_is_read_in_the_mails_own_zone():
    # Thu 3 Dec 00:30 in Auckland is still Wed 2 Dec in UTC: "tomorrow's" Friday is the same Friday,
    # but "on Thursday" written in Auckland on Thursday means next week's.
    sent = datetime(2026, 12, 3, 0, 30, tzinfo=ZoneInfo("Pacific/Auckland"))
    assert find_promise("I'll call you on Friday", sent).day == date(2026, 12, 4)


def test_no_date_or_no_promise_is_no_promise():
    assert find_promise("I'll send you the drawings soon.", WED_2_DEC) is None
    assert find_promise("The drawings arrived on Friday.", WED_2_DEC) is None
