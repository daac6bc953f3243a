import stat

import pytest

from followup.secrets import SecretDecryptionError, decrypt_secret, encrypt_secret
from followup.config import SettingsError, load_settings


def test_defaults_put_sqlite_and_a_generated_key_in_the_data_dir(tmp_path):
    settings = load_settings({"FOLLOWUP_DATA_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'followup.db'}"
    assert settings.redis_url is None and settings.jobs_inline
    key_file = tmp_path / "secret_key"
    assert key_file.read_text() == settings.secret_key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # The key is stable across runs: secrets encrypted yesterday decrypt today.
    assert load_settings({"FOLLOWUP_DATA_DIR": str(tmp_path)}).secret_key == settings.secret_key


@pytest.mark.parametrize(
    "name, value",
    [
        ("FOLLOWUP_DATABASE_URL", "mysql://root@localhost/x"),
        ("FOLLOWUP_DATABASE_URL", "not a url"),
        ("FOLLOWUP_REDIS_URL", "http://localhost:6379"),
        ("FOLLOWUP_SECRET_KEY", "short"),
        ("FOLLOWUP_SMTP_URL", "localhost:25"),
        ("FOLLOWUP_PASSWORD_HASH", "md5"),
    ],
)
def test_a_wrong_value_names_the_variable(tmp_path, name, value):
    with pytest.raises(SettingsError) as error:
        load_settings({"FOLLOWUP_DATA_DIR": str(tmp_path), name: value})
    assert str(error.value).startswith(f"{name}:")
    assert "\n" not in str(error.value)


def test_secrets_round_trip_and_fail_clearly_with_another_key():
    token = encrypt_secret("k" * 32, "hunter2-imap")
    assert "hunter2" not in token
    assert decrypt_secret("k" * 32, token) == "hunter2-imap"
    with pytest.raises(SecretDecryptionError, match="FOLLOWUP_SECRET_KEY"):
        decrypt_secret("x" * 32, token)


def test_passwords_are_hashed_with_the_configured_method_and_full_scrypt_by_default(tmp_path):
    from werkzeug.security import check_password_hash, generate_password_hash

    from followup.db.users import set_password
    from followup.db.models import User

    default = load_settings({"FOLLOWUP_DATA_DIR": str(tmp_path)})
    cheap = load_settings({"FOLLOWUP_DATA_DIR": str(tmp_path), "FOLLOWUP_PASSWORD_HASH": "scrypt:1024:8:1"})
    user = User(email="rep@example.com", display_name="Rep", password_hash="x")
    set_password(user, "a brand new password", default.password_hash)
    assert user.password_hash.startswith("scrypt:32768:8:1$")
    set_password(user, "a brand new password", cheap.password_hash)
    assert user.password_hash.startswith("scrypt:1024:8:1$")
    assert check_password_hash(user.password_hash, "a brand new password")
    # A hash made at the full cost still verifies once the setting changes.
    assert check_password_hash(generate_password_hash("old", method=default.password_hash), "old")
