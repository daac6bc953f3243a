"""The follow-up rules: pure functions from a thread (or a contact), the user's settings and
`now` to the tasks that should be open and the ones that should close.

No database, no I/O: the inputs are the plain dataclasses of `views`, built by
`followup.detection.service` (or by hand in tests), and so are the outputs. Running the rules
twice on the same input gives the same output; `detection` turns that into idempotent
upserts on `FollowUpTask` keyed by `TaskProposal.key`.

Per thread (keys `<kind>:thread:<id>`; `rules.thread.detect_thread` runs them):

- awaiting_reply (`rules.awaiting_reply`): the user wrote last to an external contact, asked
  for something (or the thread is an open inquiry), and no reply came for N business days.
  The clock starts at the user's *latest* mail: a reminder or a correction keeps the wait
  going and restarts it. A second nudge after another N days, up to `max_nudges`; N days
  after the last nudge the task expires. An out-of-office reply is not a reply; the nudge
  says the contact is away, and one that names a return date ("until 30 November") holds the
  first nudge until the first business day after it ("away until Mon 30 Nov: nudge on Tue 1
  Dec"). An order confirmation waits for nothing (the post-sale check-in is the follow-up),
  and while a check-in is open it is the thread's only nudge.
- needs_reply (`rules.unanswered`): an external contact wrote last, asked for something, and
  the user has not answered within N business days of the first unanswered question.
  Inquiries rank first. Mail addressed To a colleague with the user only in Cc is the
  colleague's; an answer by a colleague to the contact counts; a complaint is its own task.
- post_sale_checkin (`rules.post_sale_checkin`): the latest sale (by the user or the
  customer) opens a task due 2 days later (moved to the next business day), expiring 7 days
  after the sale; none once the customer wrote after the sale, resolved when the user writes
  after the due date.
- bounced (`rules.bounced`): a delivery failure came back for the user's latest mail
  (ingestion threads the report with the mail it names): "Your mail to t.lee@… bounced (550
  user unknown): find another way to reach them". It replaces the awaiting-reply wait; the
  bounce itself is never a task of its own. Resolved once anyone writes again in the thread.
- complaint (`rules.unanswered`): an unanswered complaint opens a team task at once, due
  after `complaint_response_days` business days, its priority raised by cues (refund,
  cancel, legal threats, a repeat complaint). Answered = the user (or a colleague writing to
  the customer) wrote after it, or the customer closed it; a later complaint re-triggers it.

- promise (`rules.promise`): the thread's latest dated promise. The user's ("I'll send you the
  drawings on Friday") is due that day (upcoming until then) unless a later mail of the user
  carries an attachment or says it is done ("attached", "as promised"); the contact's ("we
  will send the PO by 12 May") nudges on the business day after unless they wrote again.
  Expires `PROMISE_GRACE` after it fell due.

A contact with three replies or more to mail that asked them something (over all their
threads, `rules.pace`) is awaited at their own pace: the first nudge once they are late by
their 80th percentile in business days, the reminders at the user's interval ("usually
replies within 4 h; 1 business day now"). The user's `contact_pace` setting turns it off.

Questions and complaints unanswered for `STALE_AFTER` (30 days) expire rather than nag.
The trigger of a task is the latest mail that calls for it: a different trigger is what
reopens a task the user closed.

Per contact with a past sale (keys `<kind>:contact:<id>[:<year>]`):

- dormant_customer: no human mail either way for `dormant_days` calendar days.
- anniversary: the first sale's anniversary; open from 7 days before until 14 days after.

Never for bulk mail, bounces, auto-replies, no-reply senders, internal-only or muted
threads, ignored addresses or domains; a calendar invitation or answer asks nothing and
sells nothing. A closing message that asks nothing ("Thanks, all
sorted") closes the loop.
"""
