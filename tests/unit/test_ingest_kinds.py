"""Kind flags that senders leave no header for, read by the real parser from raw mail:
out-of-office notices recognised by subject or body in seven languages (issue #16)."""

from __future__ import annotations

import pytest

from inbox_sync.parse import parse_message


def raw(subject: str, body: str, sender: str = "Dana Wu <dana@acme.com>") -> bytes:
    return (f"From: {sender}\r\nTo: rep@seller.com\r\nSubject: {subject}\r\n"
            "Date: Fri, 20 Nov 2026 09:12:00 +0100\r\nMessage-ID: <ooo-1@acme.com>\r\n"
            "In-Reply-To: <quote-1@seller.com>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            f"{body}\r\n").encode()


@pytest.mark.parametrize("subject", [
    "Automatic reply: Quote for 200 units",
    "Out of Office: Quote for 200 units",
    "Abwesenheitsnotiz: Angebot für 200 Stück",
    "Réponse automatique : Devis pour 200 unités",
    "Respuesta automática: Presupuesto para 200 unidades",
    "Risposta automatica: Preventivo per 200 unità",
    "Afwezig: Offerte voor 200 stuks",
    "Resposta automática: Orçamento para 200 unidades",
    "Fora do escritório: Orçamento para 200 unidades",
])
def test_an_auto_reply_subject_without_headers_is_an_auto_reply(subject):
    parsed = parse_message(raw(subject, "Thank you for your message."))
    assert parsed.kinds.is_auto_reply


@pytest.mark.parametrize("body", [
    "Thank you for your email. I am out of the office until 30 November with limited access to email.",
    "I'm currently on annual leave and will return on Monday 30 November.",
    "Vielen Dank für Ihre Nachricht. Ich bin bis zum 30.11. nicht im Büro und habe keinen Zugriff auf meine E-Mails.",
    "Merci pour votre message. Je suis absente du bureau jusqu'au 30 novembre.",
    "Gracias por su mensaje. Estoy fuera de la oficina hasta el 30 de noviembre.",
    "Grazie per il messaggio. Sono fuori ufficio fino al 30 novembre.",
    "Bedankt voor uw bericht. Ik ben afwezig tot 30 november.",
    "Obrigado pela sua mensagem. Estou fora do escritório até 30 de novembro.",
])
def test_an_out_of_office_body_under_a_plain_re_is_an_auto_reply(body):
    parsed = parse_message(raw("Re: Quote for 200 units", body))
    assert parsed.kinds.is_auto_reply
    assert not parsed.kinds.is_bulk and not parsed.kinds.is_bounce


@pytest.mark.parametrize("body", [
    "Sorry for the slow answer, I was out of the office last week. Yes, 200 units is fine - can you send the order form?",
    "I'm back from holiday. Could you resend the quote?",
    "Ich war letzte Woche nicht im Büro. Können Sie mir das Angebot noch einmal schicken?",
])
def test_a_person_mentioning_an_absence_is_not_an_auto_reply(body):
    assert not parse_message(raw("Re: Quote for 200 units", body)).kinds.is_auto_reply


BOUNCE = (
    "From: Mail Delivery System <MAILER-DAEMON@mx1.seller.com>\r\nTo: Rep <rep@seller.com>\r\n"
    "Subject: Undelivered Mail Returned to Sender\r\nDate: Fri, 20 Nov 2026 09:13:00 +0000\r\n"
    "Message-ID: <bounce-1@mx1.seller.com>\r\nMIME-Version: 1.0\r\n"
    'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
    "--B\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you that your message could not\r\n"
    "be delivered to one or more recipients.\r\n\r\n<t.lee@acme.com>: host mx.acme.com said: 550 5.1.1 "
    "<t.lee@acme.com>: Recipient address rejected: User unknown\r\n"
    "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx1.seller.com\r\n\r\n"
    "Final-Recipient: rfc822; t.lee@acme.com\r\nAction: failed\r\nStatus: 5.1.1\r\n"
    "--B\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: Rep <rep@seller.com>\r\nTo: t.lee@acme.com\r\n"
    "Subject: Quote for 200 units\r\nMessage-ID: <quote-7@seller.com>\r\n"
    "--B--\r\n"
)


def test_a_bounce_refers_to_the_mail_it_reports_on():
    parsed = parse_message(BOUNCE.encode())
    assert parsed.kinds.is_bounce
    assert parsed.in_reply_to == "quote-7@seller.com"  # so it joins that mail's thread


# -- bulk mail without List-* headers (issue #16) ----------------------------------------------

PROMO_TEXT = ("Big summer sale on pallets and crates. Why pay full price? Get 40% off this week only.\r\n\r\n"
              "Shop now: https://deals.example/shop\r\n\r\nDeals Ltd, 1 High Street, London\r\n")
PIXEL = '<img src="https://t.deals.example/open/9f3a.gif" width="1" height="1" alt="">'


def mail(text: str, *, headers: str = "", html: str | None = None, subject: str = "Summer sale: 40% off",
         sender: str = "Deals Ltd <hello@deals.example>", to: str = "rep@seller.com") -> bytes:
    head = (f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: Fri, 20 Nov 2026 09:12:00 +0100\r\n"
            f"Message-ID: <promo-1@deals.example>\r\nMIME-Version: 1.0\r\n{headers}")
    if html is None:
        return (head + f"Content-Type: text/plain; charset=utf-8\r\n\r\n{text}").encode()
    return (head + 'Content-Type: multipart/alternative; boundary="ALT"\r\n\r\n'
            f"--ALT\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n"
            f"--ALT\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body>{html}</body></html>\r\n"
            "--ALT--\r\n").encode()


def test_a_cold_promotion_with_view_online_unsubscribe_and_a_pixel_is_bulk():
    parsed = parse_message(mail("View this email in your browser\r\n\r\n" + PROMO_TEXT
                                + "Unsubscribe | Manage preferences\r\n",
                                html=f"<p>Why pay full price?</p>{PIXEL}"))
    assert parsed.kinds.is_bulk


@pytest.mark.parametrize("header", [
    "X-Campaign-Id: summer-26", "X-Mailgun-Tag: summer", "X-SG-EID: 4f2a", "X-MC-User: 9c1e",
    "X-Mailchimp-Campaign: 77", "Feedback-ID: 12:summer:deals:esp", "X-MarketoID: 123-ABC-456",
    "X-Mailin-Campaign: 42", "X-PM-Message-Stream: broadcast",
])
def test_one_campaign_header_of_a_sending_service_is_enough(header):
    assert parse_message(mail(PROMO_TEXT, headers=header + "\r\n")).kinds.is_bulk


@pytest.mark.parametrize("body", [
    PROMO_TEXT + "Unsubscribe: https://deals.example/u/9f3a\r\n",  # an unsubscribe footer alone
    "View this email in your browser\r\n\r\n" + PROMO_TEXT,  # "view online" alone
])
def test_one_weak_sign_alone_is_not_bulk(body):
    assert not parse_message(mail(body)).kinds.is_bulk


def test_a_person_whose_mail_has_one_unsubscribe_footer_is_not_bulk():
    text = ("Hi, thanks for the call. Could you send the quote for 200 units by Friday?\r\n\r\n"
            "Best regards,\r\nDana Wu\r\nAcme Tools\r\n\r\n"
            "Sent with Acme CRM. To unsubscribe from our updates, reply STOP.\r\n")
    parsed = parse_message(mail(text, sender="Dana Wu <dana@acme-tools.example>", subject="Quote for 200 units",
                                html=f"<p>{text}</p>"))
    assert not parsed.kinds.is_bulk


def test_a_sending_service_relay_header_counts_with_a_second_sign():
    relayed = "X-SES-Outgoing: 2026.11.20-54.240.1.1\r\nX-Mailgun-Sid: WyI0ZjIiXQ==\r\n"
    assert not parse_message(mail(PROMO_TEXT, headers=relayed)).kinds.is_bulk  # a receipt, a help desk
    assert parse_message(mail(PROMO_TEXT + "Unsubscribe\r\n", headers=relayed)).kinds.is_bulk


def test_a_tracking_pixel_in_the_html_counts_only_with_a_second_sign():
    assert parse_message(mail(PROMO_TEXT + "Unsubscribe\r\n", html=f"<p>Sale</p>{PIXEL}")).kinds.is_bulk
    assert not parse_message(mail(PROMO_TEXT, html=f"<p>Sale</p>{PIXEL}")).kinds.is_bulk
    assert not parse_message(mail(PROMO_TEXT + "Unsubscribe\r\n", html="<p>Sale</p><img src=logo.png width=120>")).kinds.is_bulk


def test_many_recipients_and_view_online_is_bulk():
    crowd = ", ".join(f"buyer{n}@shop{n}.example" for n in range(12))
    assert parse_message(mail("View online\r\n\r\n" + PROMO_TEXT, to=crowd)).kinds.is_bulk
    assert not parse_message(mail("Hi all, the meeting moves to 3pm. Does that work?\r\n", to=crowd,
                                  subject="Meeting")).kinds.is_bulk


def test_a_reply_quoting_a_newsletter_is_not_bulk():
    text = ("Hi Rep, did you see this offer? Can you match the price?\r\n\r\n"
            "On Thu, 19 Nov 2026 at 10:00, Deals Ltd <hello@deals.example> wrote:\r\n"
            "> View this email in your browser\r\n> Get 40% off this week only.\r\n> Unsubscribe\r\n")
    parsed = parse_message(mail(text, sender="Dana Wu <dana@acme-tools.example>",
                                subject="Re: Summer sale: 40% off", html=f"<p>Can you match the price?</p>{PIXEL}"))
    assert not parsed.kinds.is_bulk


FORM_NOTIFICATION = (
    "From: Website contact form <noreply@webforms.example>\r\nReply-To: Dana Wu <dana.wu@acme-tools.example>\r\n"
    "To: rep@seller.com\r\nSubject: New contact form submission\r\nDate: Fri, 20 Nov 2026 09:12:00 +0100\r\n"
    "Message-ID: <form-1@webforms.example>\r\nFeedback-ID: forms:webforms\r\nX-SES-Outgoing: 2026.11.20\r\n"
    "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
    "Name: Dana Wu\r\nEmail: dana.wu@acme-tools.example\r\n"
    "Message: Could you send us a quote for 200 pallets?\r\n\r\nUnsubscribe from form notifications\r\n"
)


def test_a_web_form_notification_is_from_the_prospect_and_not_bulk():
    parsed = parse_message(FORM_NOTIFICATION.encode())
    assert parsed.kinds.is_noreply  # its From is a no-reply address ...
    assert not parsed.kinds.is_bulk  # ... relayed by a sending service, yet a lead:
    assert parsed.correspondent == ("dana.wu@acme-tools.example", "Dana Wu")
    listed = FORM_NOTIFICATION.replace("Feedback-ID:", "List-Id: <forms.webforms.example>\r\nX-Old:")
    assert parse_message(listed.encode()).kinds.is_bulk  # a mailing list stays bulk
