"""Mail written by the seller's side: what a rep or a shop sends back to a customer.

The rest of the fragments are mostly what customers write. A rep's own mail is classified
too (the post-sale check-in starts from the rep's order confirmation), so the corpus needs
the seller's voice: order and booking confirmations (``sale``, nothing asked), quotes and
answers to a prospect (``inquiry``: the deal is still open), and the customer's go-ahead on
a quote (``sale``). Replies usually keep the subject of the thread, which is often an
inquiry's ("Re: Request for quotation"), so these rows get such subjects.
"""

# an order, booking, renewal or payment confirmed by the seller: sale, asks nothing
SELLER_CONFIRM = [
    "Your order {order} is confirmed and will leave our warehouse on {date}.",
    "Thanks for the order! {order} is confirmed: {qty} {unit} of {product}, dispatch planned for {date}.",
    "Order {order} confirmed. The invoice follows in a separate mail.",
    "Good news: your order {order} has been booked and is scheduled for delivery on {date}.",
    "We've received your purchase order and entered it as {order}.",
    "Just to confirm, {qty} {unit} of {product} are reserved for you under order {order}.",
    "Your booking for {date} is confirmed; the calendar invite is on its way.",
    "All set: I've booked the session for {date} and sent the invite to your team.",
    "Thank you for your payment of {amount}; invoice {invoice} is now settled.",
    "The contract is countersigned and attached for your files.",
    "Your renewal has been processed and the licences run until next {month}.",
    "I've added the extra {unit} to your order {order}; the total is now {amount}.",
    "The items are added to your open order and will ship together.",
    "Your order {order} was packed this morning and will go out with the afternoon collection.",
    "Confirming your order {order} for {amount}. Delivery is expected within three working days.",
    "Many thanks, we have your order: {qty} x {product}, total {amount} excluding VAT.",
    "Order received with thanks. Reference {order}, delivery on {date}.",
    "Your upgrade to the {product} is live from today.",
    "Happy to confirm that order {order} has been approved and released to the warehouse.",
    "Thanks - I've placed the order for you and you'll get the tracking link once it ships.",
    "Your reservation is confirmed: {qty} {unit} on {date}, paid in full.",
    "The order is in the system as {order}; an invoice for {amount} will follow.",
    "We've scheduled dispatch of order {order} for {date} and will send the tracking number then.",
    "Thanks for going ahead. Order {order} is confirmed at the quoted price of {amount}.",
    "Great, that's booked. Your {service} starts on {date}.",
    "Your subscription is active again; the first charge of {amount} went through.",
    "Your order {order} for {product} is confirmed. You'll receive the invoice shortly.",
    "Done, the extra {unit} are on your order and ship with the rest.",
    "Payment received, thank you. Your order {order} will be dispatched {date}.",
    "We're pleased to confirm your purchase of {qty} {unit}; the delivery note is attached.",
]
SELLER_CONFIRM_OPEN = ["Thanks!", "Thank you for your order.", "Great news.", "Thanks for confirming.",
                       "Many thanks.", "Perfect, thank you.", "", "", ""]
SELLER_CONFIRM_CLOSE = ["", "", "", "Thanks again for your business.", "We appreciate your order.",
                        "Nothing else is needed from your side.", "Enjoy the new {product}.",
                        "I'll be in touch once it has been delivered."]

# a quote or an answer sent by the seller to a prospect: the deal is still open, inquiry
SELLER_QUOTE = [
    "As discussed, here is our quote {order}: {qty} x {product} at {amount} each, valid for 30 days.",
    "Please find our offer attached: {qty} {unit} of {product}, {amount} in total, delivery included.",
    "Our price for {qty} {unit} is {amount}, including shipping to {city}.",
    "The {product} lists at {amount}; for {qty} {unit} we can take 5% off.",
    "Here is the quotation you asked for. The total comes to {amount} and the offer is valid until {date}.",
    "Thanks for your interest in the {product}. It costs {amount} per unit and we have it in stock.",
    "The {service} is {amount} per month per site, billed annually.",
    "We can deliver {qty} {unit} by {date}; the price is {amount} excluding VAT.",
    "Yes, we offer {service}; it takes about an hour and is free with every order.",
    "Yes, the {product} is available in two sizes and both are in stock.",
    "I've attached the price list and the spec sheet for the {product}.",
    "The volume tiers start at 100 {unit}; above that the unit price drops to {amount}.",
    "Lead time is currently two weeks from the order date.",
    "Our quote is attached. It includes installation and one year of support.",
    "The demo takes about 30 minutes and I can show you the reporting module as well.",
    "The earliest delivery date we can offer is {date}.",
]
SELLER_QUOTE_ASK = [
    "Shall I reserve the stock for you?",
    "Would you like me to go ahead and book it?",
    "Which day suits you for the demo?",
    "Let me know if you'd like to proceed.",
    "Does that work for your budget?",
    "Can you confirm the delivery address so I can finalise the quote?",
    "Would a call on {day} help to go through the details?",
]

# the customer accepts a quote or places the order: sale
CUSTOMER_GO_AHEAD = [
    "Please proceed with the order per your offer.",
    "We'd like to proceed with {qty} {unit} of {product} at the price you quoted.",
    "Approved - please process the order; our PO number will follow.",
    "Go ahead and book it for {date}, thanks.",
    "We accept your offer for {qty} x {product}. The purchase order is attached.",
    "Yes, please add those to our order.",
    "Looks good, let's go with the quote you sent on {day}.",
    "Please put us down for {qty} {unit}; invoice to the usual address.",
    "We're happy with the terms, so please send the contract for signature.",
    "Confirming our order of {qty} {unit} of {product}, delivery to {city}.",
    "Budget is approved, please ship the {product} as per your quote.",
    "Book the {service} for us please, we'll pay on invoice.",
]

# a prospect asks for a quote in plain terms: inquiry
CUSTOMER_RFQ = [
    "Please quote {qty} {unit} of {product}, delivered to {city}.",
    "Could you send us a price for {qty} {unit} of {product}, including delivery?",
    "We need a formal quotation for {qty} {unit} of {product} for our budget review.",
    "Please send your best price for {qty} x {product}, with lead times.",
    "Kindly quote for {qty} {unit}; we need them by {date}.",
    "Do you run onboarding sessions for teams using the {product}?",
    "Is there a volume discount if we order {qty} {unit}?",
    "We're comparing suppliers for {product}; can you send your price list?",
    "Please quote for the {service} for our three sites.",
    "Can you tell me whether the {product} is in stock and how soon it could ship?",
]

SELLER_SUBJECTS = ["Request for quotation", "Quote for {qty} units", "RFQ {product}", "Price for {product}",
                   "Question about your prices", "Quote request: {qty} x {product}", "Order {order}",
                   "Spares for {product}", "Onboarding for the {product}", "Availability",
                   "{product} - questions", "Stock of {product}", "Your enquiry", "Delivery of {product}"]

# the customer says thanks or closes the matter: other, nothing asked (and no new sale)
CUSTOMER_THANKS = [
    "Everything arrived in good shape and the team is already using it. Thank you!",
    "Received today, all present and correct. Thanks for sorting it so quickly.",
    "The {product} is installed and running fine. Much appreciated.",
    "Thanks, that answers my question.",
    "Understood, thanks for clarifying.",
    "Brilliant, thanks for your help - we're all set.",
    "That's everything we needed, thanks again.",
    "Noted with thanks.",
    "Lovely, cheers for the quick reply.",
    "Thank you, that's clear now. Nothing more from our side.",
    "Delivery came this morning, thanks. The guys on site are pleased.",
    "Just a quick thank-you: the {service} went smoothly and everyone was happy.",
    "Great service as always, thank you.",
    "Perfect, thanks. Have a good weekend.",
    "Appreciate it - all sorted.",
    "Many thanks for the help with the installation last week, it has made a real difference.",
    "Thanks, got the documents. Will file them.",
    "Ok, good to know. Thanks!",
    "Thank you for the fast turnaround on this one.",
    "We're very happy with the {product}, thanks for recommending it.",
]

# the prospect will decide later: the deal is still open (inquiry), nothing asked, no sale yet
CUSTOMER_LATER = [
    "Thanks. We'll place the order once our budget has been signed off.",
    "Looks good. I need to run it past our finance director before we commit.",
    "Thanks for the offer; we'll get back to you after the board meeting on {day}.",
    "Helpful, thanks. We're still comparing two suppliers and will decide by {date}.",
    "Noted. The purchase request goes to procurement next week.",
    "Thanks - I'll share the quote with my manager and come back to you.",
    "We'll probably order in the new quarter, once the project is approved.",
    "Good to know. We'll raise a purchase order as soon as the budget is released.",
]

# dissatisfaction said politely or played down: still a complaint
POLITE_COMPLAINT = [
    "Only a small thing, but two of the cartons were dented when they reached us. The contents look fine.",
    "I don't want to make a fuss, but the invoice shows the old price rather than the one we agreed.",
    "Just flagging that the delivery came a day later than promised; no harm done this time.",
    "Hate to bring it up, but the last batch of {product} had a few units with scuffed casings.",
    "A minor point: the delivery note didn't match what was in the box, so our stores team had to recount.",
    "Not urgent, but one of the {product} we received has a wobbly stand.",
    "I wanted to mention that the driver left the pallet outside in the rain. Nothing was damaged, luckily.",
    "Slightly disappointed that the order came in two parts without any warning.",
    "Small issue: we were charged for shipping although the quote said it was included.",
    "With respect, this is the second time the labels have been printed with the wrong address.",
    "I appreciate you're busy, but I still haven't heard back about the missing {unit}.",
    "It's not a disaster, but the colour of the {product} isn't what we ordered.",
    "Just so you know, the seal on one of the boxes was broken when it arrived.",
    "A little frustrating that the tracking link never worked, but the parcel did turn up.",
    "Could you make sure the paperwork is in the box next time? It was missing again.",
    "Would you mind checking the invoice? I think we've been billed for one unit too many.",
]
POLITE_COMPLAINT_SUBJECTS = ["A small issue", "Minor problem with the delivery", "One thing about order {order}",
                             "Feedback on the last shipment", "Invoice query", "Re: Order {order}",
                             "Quick note", "Delivery {date}"]
