"""Evidence spans: kinds, offsets into the body, subject spans."""

import pytest
import spacy

from nlp import load_classifier
from nlp.evidence import SPANS_KEY, evidence_spans, number_spans


@pytest.fixture(scope="module")
def clf():
    return load_classifier()


def kinds(result):
    return {(e.kind, e.text) for e in result.evidence}


def test_offsets_point_into_the_body(clf):
    body = ("Hi Joann,\nPlease send invoice INV-2024-0113 for order #48213 (500 units at $1,240.00) "
            "by March 3. Is it urgent? The box arrived damaged on 3/14.\nThanks")
    result = clf.classify("Billing question", body)
    for ev in result.evidence:
        assert body[ev.start:ev.end] == ev.text, ev
    found = kinds(result)
    assert ("invoice_number", "invoice INV-2024-0113") in found
    assert ("order_number", "order #48213") in found
    assert ("quantity", "500 units") in found
    assert ("money", "$1,240.00") in found
    assert ("date", "March 3") in found
    assert ("date", "3/14") in found
    assert ("question", "Is it urgent?") in found
    assert ("urgency", "urgent") in found
    assert ("complaint", "damaged") in found
    assert ("request", "Please") in found


def test_subject_spans_are_prefixed(clf):
    subject = "Refund for order 4471"
    result = clf.classify(subject, "The kettle leaks.")
    subject_spans = [e for e in result.evidence if e.kind.startswith("subject:")]
    assert ("subject:order_number", "order 4471") in {(e.kind, e.text) for e in subject_spans}
    for ev in subject_spans:
        assert subject[ev.start:ev.end] == ev.text


@pytest.mark.parametrize("text,kind,span", [
    ("I paid USD 12,500 last week", "money", "USD 12,500"),
    ("that's 40 dollars too much", "money", "40 dollars"),
    ("On XX/XX/XXXX I called them", "date", "XX/XX/XXXX"),
    ("ref: SO-2291 please", "order_number", "ref: SO-2291"),
    ("delivery on 2025-05-02 works", "date", "2025-05-02"),
    ("the 12th of March", "date", "12th of March"),
    ("see you next Tuesday", "date", "next Tuesday"),
    ("we need 250 corrugated boxes", "quantity", "250 corrugated boxes"),
    ("Order No. 5521 is late", "order_number", "Order No. 5521"),
    ("Call Joann tomorrow about it.", "request", "Call Joann tomorrow about it."),
    ("Could you check the price list?", "price", "price"),
    ("We need this ASAP", "urgency", "ASAP"),
])
def test_kinds(clf, text, kind, span):
    assert (kind, span) in kinds(clf.classify("", text))


def test_no_false_imperative(clf):
    assert not [e for e in clf.classify("", "Check-in was slow but fine.").evidence if e.kind == "request"]


def test_component_registered_as_factory():
    nlp = spacy.blank("en")
    nlp.add_pipe("followup_evidence_v1", name="evidence", config={"write_spans": True})
    doc = nlp("Can you send me the quote for 3 pallets?")
    assert {s.label_ for s in doc.spans[SPANS_KEY]} >= {"question", "request", "price", "quantity"}
    assert {s.label_ for s in evidence_spans(doc)} == {s.label_ for s in doc.spans[SPANS_KEY]}


def test_number_spans_plain_numbers_are_not_evidence():
    assert number_spans("We have 3 kids and 2 dogs") == []
