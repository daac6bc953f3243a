"""The demo mailbox's story: `tell_the_story` calls every scenario in a fixed order (the order
decides who gets which company, so the mailbox comes out the same for a seed and a `now`).

The scenarios, one function per kind of situation a rep meets, live by topic: before the sale
(`demo.inquiries`), sales, complaints and long silences (`demo.sales`), everyday traffic
(`demo.traffic`), mail from websites (`demo.websites`), promises and paces (`demo.promises`).
Each writes one thread (or a few messages) through `Demo` and records what detection should
make of it with `Demo.expect`, relative to the default settings (awaiting reply after 5
business days, needs reply after 1, post-sale check-in 2 to 7 days after a sale, dormant
after 90 days without mail).
"""

from __future__ import annotations

from followup.demo import phrases as P
from followup.demo.builder import Demo, Scenario
from followup.demo.inquiries import (
    answered_by_colleague,
    demo_offered_waiting,
    inquiry_answered_and_closed,
    inquiry_unanswered,
    order_asking_for_confirmation,
    out_of_office_then_back,
    out_of_office_without_headers,
    quote_no_reply,
    quote_with_out_of_office,
    quote_with_reminder,
    rep_chaser_is_no_sale,
)
from followup.demo.promises import promises_and_paces
from followup.demo.sales import complaint, dormant_customer, first_sale_anniversary, repeat_complaint, sale
from followup.demo.traffic import (
    bounce_not_resent,
    bounce_then_resend,
    calendar_invitation,
    forward_to_colleague,
    history,
    internal_chatter,
    newsletters,
    notifications,
)
from followup.demo.websites import promotion_without_list_headers, web_form_lead

__all__ = ["Demo", "Scenario", "tell_the_story"]


def tell_the_story(demo: Demo) -> None:
    """Every scenario, in a fixed order (the order decides who gets which company)."""
    dormant_customer(demo)
    first_sale_anniversary(demo)
    for kind, age in (("price", 4), ("availability", 7)):
        inquiry_answered_and_closed(demo, kind, age)
    for kind, age in (("price", 2), ("quote", 2), ("demo", 3), ("availability", 1)):
        inquiry_unanswered(demo, kind, age)
    demo_offered_waiting(demo)
    quote_no_reply(demo, 3)
    quote_no_reply(demo, 6, attach=True)
    quote_no_reply(demo, 12)
    quote_with_reminder(demo)
    quote_with_out_of_office(demo)
    out_of_office_then_back(demo)
    out_of_office_without_headers(demo)
    answered_by_colleague(demo)
    sale(demo, (1, 3))
    sale(demo, (2, 4), rep_thanks=True)
    sale(demo, (4, 6))
    sale(demo, (3, 6), customer_thanks=True)
    sale(demo, (8, 10))
    sale(demo, (10, 14))
    complaint(demo, "late", 1, priority="normal")
    complaint(demo, "defect", 3, answered=True, closed=True)
    complaint(demo, "refund", 2, priority="high (refund, cancel)")
    complaint(demo, "billing", 1, priority="normal")
    complaint(demo, "polite", 2, priority="low")
    complaint(demo, "late", 2, answered=True)
    repeat_complaint(demo)
    bounce_then_resend(demo)
    bounce_not_resent(demo)
    forward_to_colleague(demo)
    calendar_invitation(demo)
    order_asking_for_confirmation(demo)
    rep_chaser_is_no_sale(demo)
    for index in range(len(P.INTERNAL_TOPICS)):
        internal_chatter(demo, index, 1 + index * 3)
    newsletters(demo)
    notifications(demo)
    # Settled history: every company has at least one, older than the open scenarios.
    for index, company in enumerate(demo.companies[2:]):
        history(demo, demo.rng.choice(company.people), 18 + (index * 7) % 60)
        if index % 3 == 0:
            sale(demo, 14 + (index * 5) % 60, customer_thanks=True,
                 contact=demo.rng.choice(company.people), record=False)
    web_form_lead(demo)
    promotion_without_list_headers(demo)
    promises_and_paces(demo)
