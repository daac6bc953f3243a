"""The draft editor and `POST /api/v1/tasks/ID/draft`: prefilled per kind and language from
the evidence, edited, downloaded as .eml; bad input is shown back with what was typed."""

from __future__ import annotations

import email
from datetime import timedelta
from email import policy
from urllib.parse import unquote

from click.testing import CliRunner

from followup.cli.main import main
from followup.db.models import Contact, FollowUpTask, User
from followup.db.users import issue_api_token
from followup.domain.vocabulary import TaskKind
from followup.drafts import load_draft
from tests.api_schema import check
from tests.rows import NOW, add_account, add_contact, add_task, add_thread, add_user, db
from tests.runtimes import TEST_SECRET_KEY

QUESTION = "Könnten Sie mir bitte ein Angebot für 200 Stahlwinkel schicken? Die Bestellung #4821 kam gut an."


def german_request(web_rt, user):
    account = add_account(web_rt, user)
    contact = add_contact(web_rt, account, email="dana@kunde.example", name="Dana Wolf", company="Kunde GmbH")
    thread, messages = add_thread(web_rt, account, subject="Angebot Stahlwinkel", messages=[
        {"direction": "inbound", "from_addr": "dana@kunde.example", "from_name": "Dana Wolf",
         "to_addrs": [user.email, "einkauf@kunde.example"], "label": "inquiry", "needs_reply": True,
         "body_text": QUESTION,
         "evidence": [{"kind": "request", "text": "Könnten Sie", "start": 0, "end": 11},
                      {"kind": "quantity", "text": "200 Stahlwinkel", "start": 45, "end": 60},
                      {"kind": "order_number", "text": "Bestellung #4821", "start": 73, "end": 89}]},
    ])
    return add_task(web_rt, account, thread, messages[0], kind=TaskKind.NEEDS_REPLY, contact=contact,
                    nudge="Dana Wolf wartet auf Antwort")


def test_editor_is_prefilled_in_the_threads_language_with_the_question_quoted(client, web_rt):
    user = add_user(web_rt, "rep@example.com", name="Rita Rep")
    task = german_request(web_rt, user)
    client.login("rep@example.com")

    page = client.get(f"/tasks/{task.id}/draft").get_data(as_text=True)

    assert 'value="Dana Wolf &lt;dana@kunde.example&gt;"' in page  # To: the customer
    assert 'value="einkauf@kunde.example"' in page  # Cc: the other recipient, never the rep
    assert 'value="Re: Angebot Stahlwinkel"' in page
    assert "Hallo Dana," in page and "vielen Dank für Ihre Nachricht vom 4. März 2026" in page
    assert "“Angebot Stahlwinkel” (Bestellung #4821, 200 Stahlwinkel)" in page
    assert "&gt; Könnten Sie mir bitte ein Angebot für 200 Stahlwinkel schicken?" in page
    # Import-only mailbox: no save into Drafts, a download instead.
    assert "Save to my Drafts" not in page and "Download .eml" in page

    english = client.get(f"/tasks/{task.id}/draft?language=en").get_data(as_text=True)
    assert "Hi Dana," in english and "Thank you for your message of 4 March 2026" in english


def test_download_is_a_reply_with_the_edited_text_and_bad_input_is_shown_back(client, web_rt):
    user = add_user(web_rt, "rep@example.com", name="Rita Rep")
    task = german_request(web_rt, user)
    client.login("rep@example.com")
    client.get(f"/tasks/{task.id}/draft")

    bad = client.post(f"/tasks/{task.id}/draft", {"action": "download", "to": "dana at kunde", "cc": "",
                                                  "subject": "Re: Angebot", "text": "Mein Entwurf bleibt."})
    assert bad.status_code == 400
    page = bad.get_data(as_text=True)
    assert "To: &#39;dana at kunde&#39; is not an email address." in page and "Mein Entwurf bleibt." in page

    response = client.post(f"/tasks/{task.id}/draft", {
        "action": "download", "to": "Dana Wolf <dana@kunde.example>", "cc": "", "subject": "Re: Angebot Stahlwinkel",
        "text": "Hallo Dana,\n\n200 Stahlwinkel kosten 480 EUR.\n", "language": "de"})

    assert response.status_code == 200 and response.mimetype == "message/rfc822"
    assert response.headers["Content-Disposition"] == f'attachment; filename="follow-up-{task.id}.eml"'
    mail = email.message_from_bytes(response.data, policy=policy.default)
    assert mail["To"] == "Dana Wolf <dana@kunde.example>" and mail["From"] == "Rita Rep <rep@example.com>"
    assert mail["In-Reply-To"] == f"<m{task.thread_id}-0@test>"
    body = mail.get_content()
    assert "480 EUR" in body and "> " + QUESTION in body  # the customer's mail quoted below


def test_forms_need_csrf_and_other_peoples_tasks_do_not_exist(client, web_rt):
    user = add_user(web_rt, "rep@example.com")
    task = german_request(web_rt, user)
    add_user(web_rt, "other@example.com")
    client.login("other@example.com")
    assert client.get(f"/tasks/{task.id}/draft").status_code == 404
    assert client.post(f"/tasks/{task.id}/draft", {"action": "download", "to": "a@b.example", "cc": "",
                                                   "subject": "x", "text": "y"}).status_code == 404
    client.login("rep@example.com")
    assert client.post(f"/tasks/{task.id}/draft", {"action": "download"}, csrf=False).status_code == 400


def test_the_list_and_the_thread_link_to_the_editor(client, web_rt, rep):
    client.login("rep@example.com")
    link = f'href="/tasks/{rep["task"].id}/draft"'
    assert link in client.get("/").get_data(as_text=True)
    assert link in client.get(f"/threads/{rep['thread'].id}").get_data(as_text=True)


def test_api_returns_the_draft_and_refuses_to_save_into_an_import_only_mailbox(client, web_rt, spec):
    user = add_user(web_rt, "rep@example.com", name="Rita Rep")
    task = german_request(web_rt, user)
    with db(web_rt) as session:
        token = issue_api_token(session.get(User, user.id))
        session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    http = client.client

    response = http.post(f"/api/v1/tasks/{task.id}/draft", json={"save": False}, headers=headers)
    body = check(spec, response, "/tasks/{task_id}/draft", "post")
    assert body["saved"] is None and body["draft"]["language"] == "de"
    assert body["draft"]["to"] == ["Dana Wolf <dana@kunde.example>"]
    assert body["draft"]["message_id"] == f"followup-draft.{task.account_id}.{task.id}@example.com"

    refused = http.post(f"/api/v1/tasks/{task.id}/draft", json={"save": True}, headers=headers)
    assert refused.status_code == 409 and "import-only" in check(spec, refused, "/tasks/{task_id}/draft", "post")["message"]
    bad = http.post(f"/api/v1/tasks/{task.id}/draft", json={"save": "yes"}, headers=headers)
    assert bad.status_code == 400
    check(spec, bad, "/tasks/{task_id}/draft", "post")


def test_reply_links_open_gmail_by_message_id_or_the_mail_app_with_the_question(client, web_rt):
    user = add_user(web_rt, "rep@example.com", name="Rita Rep")
    task = german_request(web_rt, user)
    gmail = add_account(web_rt, user, address="rep@gmail.example", imap_host="imap.gmail.com", password="app-pass")
    thread, messages = add_thread(web_rt, gmail, subject="Chairs", messages=[{"body_text": "Do you have 40 chairs?"}])
    on_gmail = add_task(web_rt, gmail, thread, messages[0], kind=TaskKind.NEEDS_REPLY, key="gmail")
    client.login("rep@example.com")

    page = client.get(f"/threads/{thread.id}").get_data(as_text=True)
    assert (f'href="https://mail.google.com/mail/u/0/#search/rfc822msgid%3Am{thread.id}-0%40test"' in page
            and ">Open in Gmail</a>" in page)
    assert f'href="/tasks/{on_gmail.id}/draft"' in page

    page = client.get(f"/threads/{task.thread_id}").get_data(as_text=True)
    mailto = unquote(page.split('class="button reply-link" href="', 1)[1].split('"', 1)[0].replace("&amp;", "&"))
    assert mailto.startswith("mailto:dana@kunde.example?subject=Re: Angebot Stahlwinkel&body=Hallo Dana,")
    assert "> Könnten Sie mir bitte ein Angebot für 200 Stahlwinkel schicken?" in mailto
    assert "&cc=einkauf@kunde.example" in mailto


def test_own_draft_texts_in_settings_are_checked_then_used(client, web_rt):
    user = add_user(web_rt, "rep@example.com", name="Rita Rep")
    task = german_request(web_rt, user)
    client.login("rep@example.com")
    page = client.get("/settings/drafts?language=de").get_data(as_text=True)
    assert "vielen Dank für Ihre Nachricht vom {date} zu {topic}" in page

    bad = client.post("/settings/drafts", {"language": "de", "text_needs_reply": "Danke {vorname}!"})
    assert bad.status_code == 400
    shown = bad.get_data(as_text=True)
    assert "{vorname} is not a placeholder" in shown and "Danke {vorname}!" in shown

    own = "danke für Ihre Anfrage zu {topic}:\n\n{question}\n\nHier mein Angebot: {answer_here}"
    client.post("/settings/drafts", {"language": "de", "text_needs_reply": own})
    page = client.get(f"/tasks/{task.id}/draft").get_data(as_text=True)
    assert "danke für Ihre Anfrage zu “Angebot Stahlwinkel” (Bestellung #4821, 200 Stahlwinkel):" in page
    assert "Hier mein Angebot: [Ihre Antwort]" in page
    # Emptied: the standard text again.
    client.post("/settings/drafts", {"language": "de", "text_needs_reply": ""})
    assert "vielen Dank für Ihre Nachricht" in client.get(f"/tasks/{task.id}/draft").get_data(as_text=True)


def test_cli_prints_the_draft_and_says_why_an_import_only_mailbox_cannot_save(web_rt):
    user = add_user(web_rt, "rep@example.com", name="Rita Rep")
    task = german_request(web_rt, user)
    env = {"FOLLOWUP_DATA_DIR": str(web_rt.settings.data_dir), "FOLLOWUP_DATABASE_URL": web_rt.settings.database_url,
           "FOLLOWUP_SECRET_KEY": TEST_SECRET_KEY, "FOLLOWUP_REDIS_URL": ""}
    cli = CliRunner()

    printed = cli.invoke(main, ["draft", str(task.id), "--language", "en"], env=env)
    assert printed.exit_code == 0, printed.output
    assert printed.output.startswith("From: rep@example.com\nTo: Dana Wolf <dana@kunde.example>\nCc: einkauf@kunde.example\n"
                                     "Subject: Re: Angebot Stahlwinkel\n")
    assert "Hi Dana," in printed.output and "> " + QUESTION in printed.output

    refused = cli.invoke(main, ["draft", str(task.id), "--save"], env=env)
    assert refused.exit_code == 1 and "import-only" in refused.output
    missing = cli.invoke(main, ["draft", "999999"], env=env)
    assert missing.exit_code == 1 and "no task has the id 999999" in missing.output


def test_a_contacts_task_answers_the_latest_thread_with_them_and_names_the_sale(web_rt):
    user = add_user(web_rt, "rep@example.com", name="Rita Rep")
    account = add_account(web_rt, user)
    contact = add_contact(web_rt, account, email="nina@shop.example", name="Nina Nagel")
    add_thread(web_rt, account, subject="Old order", messages=[{"from_addr": "nina@shop.example",
                                                                "sent_at": NOW - timedelta(days=400)}])
    latest, _ = add_thread(web_rt, account, subject="Spare parts", messages=[
        {"from_addr": "nina@shop.example", "from_name": "Nina Nagel", "sent_at": NOW - timedelta(days=300),
         "body_text": "Please send the spare parts for order #7781."}])
    with db(web_rt) as session:
        row = session.get(Contact, contact.id)
        row.first_sale_at = NOW - timedelta(days=365)
        session.add(row)
        session.commit()
    task = add_task(web_rt, account, kind=TaskKind.ANNIVERSARY, contact=contact, key="anniversary:contact")

    with db(web_rt) as session:
        draft = load_draft(session, session.get(FollowUpTask, task.id), language="en")

    assert draft.subject == "Re: Spare parts" and draft.in_reply_to == f"m{latest.id}-0@test"
    assert draft.to == ("Nina Nagel <nina@shop.example>",)
    assert "a year since your order “Spare parts” (10 March 2025)" in draft.text


def test_the_draft_is_in_the_language_stored_with_the_mail(client, web_rt):
    """Message.language, found at ingestion, decides; the text is not detected a second time
    (this short English-looking text was stored as German: the German draft shows it)."""
    user = add_user(web_rt, "rep@example.com", name="Rita Rep")
    account = add_account(web_rt, user)
    thread, messages = add_thread(web_rt, account, subject="Stahlwinkel", messages=[
        {"direction": "inbound", "from_addr": "dana@kunde.example", "from_name": "Dana Wolf",
         "to_addrs": [user.email], "label": "inquiry", "needs_reply": True, "language": "de",
         "body_text": "Could you send me a quote please?"}])
    task = add_task(web_rt, account, thread, messages[0], kind=TaskKind.NEEDS_REPLY)
    client.login("rep@example.com")
    page = client.get(f"/tasks/{task.id}/draft").get_data(as_text=True)
    assert "Hallo Dana," in page


def test_the_draft_for_a_web_form_lead_goes_to_the_prospect_in_reply_to(web_rt):
    user = add_user(web_rt, "rep@example.com", name="Rita Rep")
    account = add_account(web_rt, user)
    contact = add_contact(web_rt, account, email="dana.wu@acme-tools.example", name="Dana Wu", company="Acme Tools")
    thread, messages = add_thread(web_rt, account, subject="New contact form submission", messages=[
        {"direction": "inbound", "from_addr": "noreply@webforms.example", "from_name": "Website contact form",
         "reply_to_addr": "dana.wu@acme-tools.example", "is_noreply": True, "to_addrs": [user.email],
         "label": "inquiry", "needs_reply": True,
         "body_text": "Name: Dana Wu\nMessage: Could you send us a quote for 200 pallet racks?"}])
    task = add_task(web_rt, account, thread, messages[0], kind=TaskKind.NEEDS_REPLY, contact=contact)

    with db(web_rt) as session:
        draft = load_draft(session, session.get(FollowUpTask, task.id), language="en")

    assert draft.to == ("dana.wu@acme-tools.example",)  # not the form's no-reply sender
    assert draft.text.startswith("Hi Dana,")
