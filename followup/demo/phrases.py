"""What people write in the demo mailbox: short phrasings, picked at random and formatted.

Placeholders: {first} (the recipient's first name), {me} (the writer's first name),
{product}, {qty}, {price}, {total}, {order}, {quote}, {weekday}, {company}.
"""

from __future__ import annotations

INQUIRY_SUBJECTS = {
    "price": ["Price for {product}", "Pricing question", "{product} - price?",
              "Question about your prices"],
    "quote": ["Quote request: {qty} x {product}", "Request for quotation", "RFQ {product}",
              "Quote for {qty} units"],
    "demo": ["Demo of the {product}?", "Could we see a demo?", "Product demo request"],
    "availability": ["Availability of {product}", "Do you have {product} in stock?",
                     "Stock check - {product}"],
}

INQUIRIES = {
    "price": [
        "Could you tell me the current price for the {product}? We would need about {qty}.",
        "What is your price per unit for the {product} if we take {qty}? Is there a volume discount?",
        "We're comparing suppliers for {product}. Can you send me your price list?",
    ],
    "quote": [
        "Can you send us a quote for {qty} x {product}, delivered to our main site?",
        "Please quote {qty} units of the {product}, including delivery and any setup costs.",
        "We'd like a formal quotation for {qty} {product}. Our budget closes at the end of the month.",
    ],
    "demo": [
        "Would it be possible to get a short demo of the {product}? Our team is free most afternoons next week.",
        "Could someone show us the {product} in action? A video call would be fine.",
        "We are interested in the {product}. Can we book a demo with your team?",
    ],
    "availability": [
        "Do you have {qty} {product} in stock, and how fast could you ship them?",
        "Is the {product} available for delivery before the end of the month?",
        "Can you check availability for {qty} x {product}? We need them urgently.",
    ],
}

ANSWERS = {
    "price": [
        "Thanks for asking. The {product} is £{price} per unit; for {qty} units we can do 8% off.",
        "Our list price for the {product} is £{price}. From {qty} units there is a volume discount of 5%.",
    ],
    "quote": [
        "Please find our quote {quote} below: {qty} x {product} at £{price} each, £{total} in total, delivery included.",
        "As requested, quote {quote}: {qty} x {product}, unit price £{price}, total £{total}. Valid for 30 days.",
    ],
    "demo": [
        "Happy to. I can do a 30-minute video demo of the {product} on {weekday} at 2pm your time. Does that work?",
        "Of course. How about {weekday} afternoon for a demo of the {product}? I'll send an invite once you confirm.",
    ],
    "availability": [
        "Yes, we have {qty} {product} in stock and can ship within 2 working days.",
        "We currently have the {product} in stock; delivery is usually 3 to 4 working days.",
    ],
}

QUOTE_FOLLOWUP_QUESTION = [
    "Does this work for you? Let me know if you would like to go ahead.",
    "Could you let me know if you'd like to proceed?",
    "Shall I reserve the stock for you?",
    "Any questions, just let me know. Would you like to place the order?",
]

REMINDERS = [
    "Just checking in on the quote I sent - did you have a chance to look at it?",
    "Following up on my previous email: are you still interested in the {product}?",
    "Quick reminder about quote {quote}. Happy to adjust quantities if that helps.",
]

ORDERS = [
    "Great, please go ahead with the order: {qty} x {product} as quoted. PO number follows.",
    "We'd like to order {qty} {product}. Please confirm the delivery date.",
    "Approved on our side - please process the order for {qty} units.",
]

CONFIRMATIONS = [
    "Thank you for your order {order}: {qty} x {product}, total £{total}. It ships within 2 working days and you'll get a tracking link.",
    "Order {order} is confirmed - {qty} x {product}. Invoice attached to the next mail; delivery expected in 3 days.",
    "Thanks! Your order {order} for {qty} {product} is confirmed and scheduled for dispatch.",
]

CUSTOMER_THANKS = [
    "The {product} arrived yesterday and everything works perfectly. Thanks for the quick service!",
    "Just wanted to say thank you - the delivery was on time and the team is happy with the {product}.",
    "All received and installed. Many thanks for your help with this.",
]

REP_THANKS = [
    "Thank you again for your order. It was a pleasure working with you and the team at {company}.",
    "Thanks for choosing us for the {product}. We really appreciate your business.",
]

CLOSINGS = [
    "Thanks, all sorted now.",
    "Perfect, that's all I needed. Thanks!",
    "Great, thank you - no further questions.",
    "Got it, thanks a lot. All good on our side.",
]

COMPLAINT_SUBJECTS = {
    "late": ["Order {order} still not delivered", "Where is our delivery?", "Late delivery - {order}"],
    "defect": ["Faulty {product}", "Problem with the {product}", "{product} stopped working"],
    "refund": ["Refund request - order {order}", "We want our money back", "Refund for {order}"],
    "billing": ["Invoice error on {order}", "Billing question - charged twice?", "Wrong amount on invoice"],
    "polite": ["Small issue with our last delivery", "A minor thing", "Quick note about the order"],
}

COMPLAINTS = {
    "late": [
        "Our order {order} was due last week and still hasn't arrived. This is holding up our warehouse. When will it be delivered?",
        "We were promised delivery by Monday. It's now several days late and nobody has told us why. Please update us today.",
    ],
    "defect": [
        "Two of the {product} units we received are defective - they won't power on. Can you send replacements?",
        "The {product} keeps jamming after a few hundred labels. This is not acceptable for a new unit. Please advise.",
    ],
    "refund": [
        "The {product} is not what we ordered and it does not work with our system. We want a full refund, otherwise we will cancel our account and take this further.",
        "I am requesting a refund for order {order}. The goods arrived damaged and we have no use for them. Please confirm the refund by return.",
    ],
    "billing": [
        "We have been invoiced twice for order {order}. Please correct the invoice and refund the duplicate charge.",
        "The invoice for {order} shows £{total} but the quote said less. Could you check and send a corrected invoice?",
    ],
    "polite": [
        "Not a big deal, but the last box of {product} arrived a bit crushed. Everything inside seems fine - just letting you know for next time.",
        "Thanks for the delivery. One small thing: the packing slip was missing, which confused our receiving team. Could you include it next time?",
    ],
}

REPEAT_COMPLAINT = [
    "This is the second time I am writing about this. The replacement {product} has the same fault. I expect a proper solution this time, or a refund.",
    "Again the same problem as last month - the order is late and nobody tells us anything. This keeps happening.",
]

COMPLAINT_ANSWERS = [
    "I'm very sorry about this. I've arranged for replacements to ship today at no cost, and I'll send you the tracking number.",
    "Apologies for the trouble. I have checked with our warehouse and your order will be delivered tomorrow morning.",
    "Sorry about that - I've raised it with accounts and a corrected invoice will follow today.",
]

OUT_OF_OFFICE = [
    "Thank you for your email. I am out of the office until {weekday} with limited access to email. For urgent matters please contact {company} reception.",
    "I'm currently on annual leave and will return on {weekday}. Your message will not be forwarded.",
    "Automatic reply: I am away from the office and will respond to your message when I return on {weekday}.",
]

CHECKINS = [
    "How is everything going with the {product}? Anything we can help with?",
    "It's been a while - how are things at {company}? Let me know if you need anything for the next season.",
]

HISTORY_TOPICS = [
    ("Delivery address for next order", [
        "Could you ship our next order to the new warehouse address? Details below.",
        "Noted, I've updated the delivery address on your account.",
        "Thanks. Will the change apply to the open order as well?",
        "Yes, it applies to all open orders.",
    ]),
    ("Training session for the {product}", [
        "Our new staff need a short training on the {product}. Do you offer that?",
        "Yes, we offer a free 45-minute remote session. Which day suits you?",
        "Thursday morning would be ideal.",
        "Booked for Thursday 10am. You'll receive an invite shortly.",
    ]),
    ("Spare parts for the {product}", [
        "Which spare parts should we keep on hand for the {product}?",
        "I'd recommend a spare print head and two platen rollers. I can add them to your next order.",
        "Yes please, add them.",
        "Done - they're on the order.",
    ]),
    ("Updated price list", [
        "Could you send your updated price list for next year?",
        "Attached is the new list; prices stay the same until March.",
        "Thanks. Does the volume discount still apply?",
        "It does, same tiers as this year.",
    ]),
]

INTERNAL_TOPICS = [
    ("Pipeline review on {weekday}", [
        "Can we go through the pipeline on {weekday}? I'd like to look at the open quotes.",
        "Sure, 3pm my time works. I'll bring the list of open quotes.",
        "Great, talk then.",
    ]),
    ("Cover for {company} next week", [
        "I'm out next week - could you keep an eye on {company}? They may order this week.",
        "No problem, forward me anything urgent.",
        "Thanks, I owe you one.",
    ]),
    ("Stock of {product}", [
        "Do you know if the warehouse has enough {product} for the end of the month?",
        "Checked: about 40 units left, another batch arrives on the 5th.",
        "Good to know, thanks.",
        "Let me know if you need me to reserve some.",
    ]),
    ("Lunch on Friday?", [
        "Team lunch on Friday, are you in?",
        "In! The usual place?",
        "Yes, 12:30.",
    ]),
    ("Trade show booth", [
        "Marketing asked who can staff the trade show booth in March. Interested?",
        "I can do the first two days.",
        "Perfect, I'll take the last day then.",
    ]),
]

NEWSLETTER_ISSUES = [
    ("Black Friday: 30% off label rolls - order now!",
     "Our biggest sale of the year is here. Order now and save 30% on all label rolls."),
    ("New: the ribbon subscription that never runs out",
     "Never run out of ribbons again. Order now and your first month is free."),
    ("Last chance: free shipping ends Friday",
     "Free shipping on every order until Friday. Don't miss out - order now."),
    ("Industry news: warehouse automation trends",
     "This week: five automation trends for small warehouses, and our customer of the month."),
    ("Your exclusive trade discount inside",
     "As a valued subscriber you get 15% off your next order. Order now with code TRADE15."),
]

NOTIFICATIONS = {
    "shipment": ("Your shipment {order} is on its way",
                 "Good news! Your parcel {order} has left our depot and will arrive tomorrow.\nTrack it at https://parcelgo.com/t/{order}\n\nThis is an automated message, please do not reply."),
    "invoice": ("Invoice {order} paid",
                "Payment received for invoice {order}. Thank you.\n\nThis mailbox is not monitored."),
    "calendar": ("Invitation: Pipeline review @ {weekday} 3pm",
                 "You have been invited to: Pipeline review\nWhen: {weekday} 3pm\nWould you like to attend? Reply via calendar."),
    "crm": ("Weekly CRM summary: 4 deals updated",
            "Your weekly summary: 4 deals updated, 2 new contacts, 1 task overdue.\nOpen the CRM to see details."),
}
