"""Incremental, resumable IMAP sync of one account into the database.

Each folder is a small persisted state machine. Its state is the `Folder` row
(uidvalidity, last_uid, uidnext, highestmodseq); every transition is committed before the
next network round trip, so a crash or a dropped connection resumes where it stopped::

    EXAMINE folder ─► UIDVALIDITY differs from the row? ──yes──► uidinvalid
          │ no                                                     │ row := (new uidvalidity,
          ▼                                                        │  last_uid 0, uidnext -,
    unchanged? (QRESYNC server, same UIDNEXT and HIGHESTMODSEQ) ◄──┘  highestmodseq -)
          │ no                       │ yes: done (no other command)
          ▼                          ▼
    flags: FETCH 1:last_uid (FLAGS) (CHANGEDSINCE highestmodseq)   [without CONDSTORE: all FLAGS]
          ▼
    new: UID SEARCH UID last_uid+1:* SINCE window ─► batches of `batch_size` UIDs:
         FETCH (FLAGS INTERNALDATE RFC822.SIZE [MODSEQ] [X-GM-*]) then BODY.PEEK[] (never
         \\Seen; a message over `max_message_bytes` gets its header and first text part
         only) ─► store each message, last_uid := batch max, COMMIT (the checkpoint)
          ▼
    deleted: UID SEARCH ALL; stored locations of this folder whose UID is gone or whose
         UIDVALIDITY is old are marked deleted; a message with no live location left is
         marked deleted_on_server (its thread history stays)
          ▼
    done: uidnext, highestmodseq, last_synced_at := what EXAMINE said; COMMIT

- A message is never stored twice: `inbox_sync.store.store_messages` dedupes on
  (Message-ID, content hash) and MessageLocation is unique on (folder, uidvalidity, uid);
  after a UIDVALIDITY change the refetched messages only gain new locations.
- A batch the database refuses is stored message by message
  (`inbox_sync.store.store_isolating_refusals`); a message refused alone is skipped, its UID
  kept in `Folder.refused_uids` and named in the account's `last_error`, and the checkpoint
  moves past it (retrying would fail on the same row for ever).
- The first sync reaches back to the account's `sync_since` (default: 90 days before the
  first sync, then stored on the account so every later search uses the same window).
- No database transaction is open during network I/O: fetched batches are stored in a
  session opened after the FETCH returned. The next batch is fetched on a helper thread
  while the current one is stored (the IMAP connection is only used by that thread then).
  From `PARALLEL_PARSE_MIN` new messages in a folder, MIME parsing runs in a helper
  process (spawned; callers' scripts need the usual ``if __name__ == "__main__"`` guard),
  so fetching, parsing and storing use both cores; batches are still stored in order.
- A connection error (`RETRYABLE_ERRORS`) reconnects with exponential backoff and resumes
  from the committed checkpoint; folders finished in this run are not visited again.
- At most one sync of an account runs at a time: an exclusive `flock` on
  ``DATA_DIR/locks/account-ID.lock`` (released by the OS if the process dies).
"""
