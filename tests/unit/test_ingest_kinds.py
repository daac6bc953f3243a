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
