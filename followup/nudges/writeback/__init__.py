"""Write-back: the follow-ups shown inside the user's own mail client, and read back from it.

For an account with `writeback` on, each task that is due (open, or a snooze that ended;
``due_at`` reached) puts a keyword (`MailAccount.writeback_keyword`, ``$FollowUp`` by
default) on the last message of its thread, in every folder where that message lives. On
Gmail (X-GM-EXT-1) it is a label (X-GM-LABELS) named after the keyword without its ``$``.
When the task is resolved, done, dismissed or expired, or write-back is switched off, the
keyword goes. Every keyword written is remembered as a `KeywordMark` row::

    load (DB) ─► live check (IMAP, only for Gmail labels and folders without CONDSTORE):
          │       FETCH FLAGS [X-GM-LABELS] of the marked UIDs
          ▼
    reconcile (DB, one transaction): for each mark of an open task,
          keyword gone from the location's flags, or \\Flagged toggled since it was set
          ─► the task is done ("done in mail client"), the mark forgotten if the keyword is gone;
          then plan: locations that need the keyword and lack it, marked ones that must lose it
          ▼
    store (IMAP): SELECT the folder (read-write), check UIDVALIDITY, then
          UID STORE uids +FLAGS.SILENT (keyword) / -FLAGS.SILENT (keyword)
          (or +X-GM-LABELS.SILENT / -X-GM-LABELS.SILENT) — nothing but the keyword is touched,
          never \\Seen
          ▼
    record (DB): marks added and removed; the stored flags follow what was written

- Idempotent: the plan compares with the stored flags (updated by the CONDSTORE flag pass
  of `inbox_sync.sync`), so a second run with nothing new sends no STORE and, when no
  Gmail label or non-CONDSTORE folder needs a live check, does not even connect.
- Two-way: the user removing the keyword (or flagging/unflagging the message) shows up in
  `MessageLocation.flags` at the next sync; the next write-back closes the task.
- It runs under the account's sync lock (`AccountLock`): a sync fetching flags while the
  keyword is being written would otherwise read the old flags back and look like a removal.
- No database transaction is open during IMAP commands.

One module per stage: `account` (the pass: lock, connection, the order of the stages),
`live_check`, `reconcile`, `store`, `record`; `keyword` (the keyword and its Gmail label)
and `plan` (what the stages hand each other).
"""
