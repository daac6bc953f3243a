"""The inline sync labels each stored batch while the next one is fetched (issue 20), as the
import does: the first batches are labelled before the sync ends, and the report adds up."""

from sqlmodel import func, select

from followup.db.models import MailAccount, Message
from followup.db.session import session_scope
from followup.worker.jobs import sync_account
from inbox_sync.sync.reports import SyncOptions
from tests.integration.mailboxes import fill, make_account, run_sync


def test_each_batch_is_labelled_before_the_sync_ends(runtime, imap_user):
    fill(imap_user, 30)
    account_id = make_account(runtime, imap_user)

    report = run_sync(runtime, account_id, batch_size=10, prefetch=False)

    assert report.created == 30
    assert report.pipeline["classified"] == 30
    with session_scope(runtime.engine) as session:
        synced_at = session.get(MailAccount, account_id).last_sync_at
        labelled = session.exec(select(func.count()).select_from(Message).where(
            Message.account_id == account_id, Message.label.is_not(None))).one()
        first_labelled = session.exec(select(func.min(Message.classified_at)).where(
            Message.account_id == account_id)).one()
    assert labelled == 30
    assert first_labelled < synced_at  # labelled during the sync, not after it


def test_the_worker_sync_leaves_labelling_to_its_own_job(runtime, imap_user):
    fill(imap_user, 12)
    account_id = make_account(runtime, imap_user)

    report = sync_account(account_id, runtime=runtime, options=SyncOptions(batch_size=5), process=False)

    assert report.created == 12 and report.pipeline is None
    with session_scope(runtime.engine) as session:
        assert session.exec(select(func.count()).select_from(Message).where(
            Message.account_id == account_id, Message.classified_at.is_not(None))).one() == 0
