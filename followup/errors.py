"""Errors the command line reports as one line (no traceback): bad input or configuration."""

from followup.db.accounts import AccountError
from followup.db.session import DatabaseUnavailable
from followup.secrets import SecretDecryptionError
from followup.config import SettingsError
from followup.db.users import UserError

EXPECTED_ERRORS: tuple[type[Exception], ...] = (
    SettingsError,
    DatabaseUnavailable,
    UserError,
    AccountError,
    SecretDecryptionError,
)
