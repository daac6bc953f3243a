"""Errors the command line reports as one line (no traceback): bad input or configuration."""

from followups.accounts import AccountError
from followups.db import DatabaseUnavailable
from followups.secrets import SecretDecryptionError
from followups.settings import SettingsError
from followups.users import UserError

EXPECTED_ERRORS: tuple[type[Exception], ...] = (
    SettingsError,
    DatabaseUnavailable,
    UserError,
    AccountError,
    SecretDecryptionError,
)
