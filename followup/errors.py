"""The root of every error the project raises on purpose.

Each project exception subclasses `FollowupError` (beside `ValueError` or `RuntimeError`
where callers catch those), has a docstring saying what went wrong, and lives in the
module of the concept it is about (`followup.db.users.UserError`, `inbox_sync.imap_errors.ImapError`,
…): `grep -rn "FollowupError)" followup inbox_sync web` lists them. The command line catches
this one type and reports the message as one line, with no traceback.
"""


class FollowupError(Exception):
    """An expected failure: bad input, configuration or a service that refused; the message
    is fit for the user and holds no secret."""
