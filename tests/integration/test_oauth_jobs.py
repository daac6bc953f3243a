"""An OAuth2 grant the provider refuses (invalid_grant) under a real rq worker: the job ends, the
account says "needs to sign in again", and rq schedules no retry (it could never succeed)."""

from __future__ import annotations

import os

from rq.job import Job
from rq.registry import ScheduledJobRegistry

from followup.db.models import MailAccount
from followup.db.oauth_grants import connect_account
from followup.db.session import session_scope
from followup.db.users import create_user
from followup.domain.vocabulary import SyncStatus
from followup.oauth_providers import load_providers
from followup.worker.queues import SYNC_QUEUE, enqueue_sync, sync_job_id
from tests.integration.workers import finish, start_worker
from tests.services.fixtures import OAUTH_PROVIDER


def test_invalid_grant_in_a_worker_marks_the_account_and_is_not_retried(
        runtime, app_env, oauth_idp, oauth_mailbox, redis_url, redis_conn, monkeypatch):
    monkeypatch.setenv("FOLLOWUP_REDIS_URL", redis_url)
    provider = load_providers()[OAUTH_PROVIDER]
    with session_scope(runtime.engine) as session:
        user = create_user(session, "rep@example.com", "a long password")
        account, _ = connect_account(session, runtime.settings.secret_key, user=user, provider=provider,
                                     address=oauth_mailbox,
                                     token={"access_token": "expired", "refresh_token": "never-issued",
                                            "expires_in": 0})
        account_id = account.id
    token_requests = oauth_idp.server.requests.count("POST /token")

    enqueue_sync(redis_conn, account_id)
    finish(start_worker({**os.environ, **app_env, "FOLLOWUP_REDIS_URL": redis_url}, "--burst"))

    assert oauth_idp.server.requests.count("POST /token") == token_requests + 1  # one refresh, refused
    job = Job.fetch(sync_job_id(account_id), connection=redis_conn)
    assert job.get_status() == "finished" and job.return_value()["status"] == "needs_signin"
    assert ScheduledJobRegistry(SYNC_QUEUE, connection=redis_conn).get_job_ids() == []
    with session_scope(runtime.engine) as session:
        account = session.get(MailAccount, account_id)
        assert account.sync_status == SyncStatus.NEEDS_SIGNIN and "invalid_grant" in account.last_error
