"""The shipped classifier on clear examples: labels, needs-reply, the public interface."""

import dataclasses

import pytest

import nlp
from nlp import Classification, Evidence, compose_input, load_classifier


@pytest.fixture(scope="module")
def clf():
    return load_classifier()


@pytest.mark.parametrize("subject,text,label", [
    ("Quote request", "Hello, could you send me a quote for 200 units of the stainless valves? "
     "We also need to know your lead time to Denver.", "inquiry"),
    ("", "@BlueJetHelp what's the baggage allowance on the basic fare?", "inquiry"),
    ("PO 5521", "Please go ahead with the order for 40 cartons of pallet wrap as quoted. "
     "Our purchase order is attached.", "sale"),
    ("", "i want to buy a new router", "sale"),
    ("Damaged delivery", "My order #48213 arrived damaged and nobody has answered my emails. "
     "I want a refund.", "complaint"),
    ("", "@FiberOneHelp internet down again for the third time this week, what am I paying for",
     "complaint"),
    ("Re: staff meeting", "Looks good to me. I talked with the legal team yesterday and they "
     "are comfortable with the draft filing.", "other"),
    ("Out of office", "I am currently out of the office and will return on Monday.", "other"),
])
def test_clear_examples(clf, subject, text, label):
    assert clf.classify(subject, text).label == label


@pytest.mark.parametrize("text,expected", [
    ("Can you send the invoice?", True),
    ("Please call me back when you get a chance.", True),
    ("Let me know what times work for a demo.", True),
    ("Thanks, all good!", False),
    ("I am out of the office until Monday.", False),
    ("Your order has shipped.", False),
])
def test_needs_reply(clf, text, expected):
    assert clf.classify("", text).needs_reply is expected


@pytest.mark.parametrize("subject,text,label,needs_reply", [
    # the seller's own mail in a quote thread: the post-sale check-in starts from the confirmation
    ("Re: Price for the oak flooring", "Hi Dana,\n\nThank you - order SO-88121 is confirmed: 40 packs of "
     "oak flooring, delivery booked for next Tuesday.\n\nBest,\nSam", "sale", False),
    ("Re: Request for quotation", "Thanks for the go-ahead. Your order 5531 has been entered and "
     "will be dispatched on Friday; the invoice follows.", "sale", False),
    ("Re: Request for quotation", "Hi Lee,\n\nAs promised, our offer: 12 x pallet racks at £140 each, "
     "£1,680 in total, valid for 30 days.", "inquiry", False),
    ("Re: Order 5531", "Hi Sam,\n\nThe racks arrived this morning and look great, thank you!", "other", False),
])
def test_seller_side_mail(clf, subject, text, label, needs_reply):
    result = clf.classify(subject, text)
    assert (result.label, result.needs_reply) == (label, needs_reply)


@pytest.mark.parametrize("subject,text,needs_reply", [
    # a reply's subject is the thread's: its question was asked by the first message
    ("Re: Do you have the walnut desk in stock?", "Thanks, all sorted now.", False),
    ("RE: Could we see a demo next week?", "Perfect, that's all I needed. Thanks!", False),
    ("Re: Do you have the walnut desk in stock?", "Great. Could you also send the assembly instructions?", True),
    ("Do you have the walnut desk in stock?", "Hi, we need two for the new office.", True),
])
def test_a_replys_subject_does_not_ask(clf, subject, text, needs_reply):
    assert clf.classify(subject, text).needs_reply is needs_reply


def test_classification_shape(clf):
    result = clf.classify("Order 4471", "Where is my order #48213? It was due on March 3.")
    assert isinstance(result, Classification)
    assert result.label in nlp.LABELS
    assert 0.0 <= result.confidence <= 1.0
    assert result.classified_text == "Where is my order #48213? It was due on March 3."
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.label = "other"  # type: ignore[misc]
    assert isinstance(nlp.MODEL_VERSION, str) and nlp.MODEL_VERSION
    assert clf.model_version == nlp.MODEL_VERSION


def test_classify_many_keeps_order_and_matches_classify(clf):
    items = [("", "i want a refund, the blender is broken"), ("Lunch?", "Are you free for lunch on Friday?"),
             ("", "how much is the pro plan"), ("", "i want to order 3 pairs of running shoes")] * 40
    many = list(clf.classify_many(items, batch_size=16))
    assert len(many) == len(items)
    for item, result in zip(items[:4], many[:4]):
        single = clf.classify(*item)
        assert (single.label, single.needs_reply, single.evidence) == (result.label, result.needs_reply, result.evidence)


def test_load_is_cached():
    assert load_classifier() is load_classifier()


def test_compose_input():
    assert compose_input("Hi", "body") == "Hi\n\nbody"
    assert compose_input("", "body") == "body"
    assert compose_input(None, "body") == "body"
    assert compose_input("Re: In stock?", "Thanks") == "Re: In stock \n\nThanks"  # same length
    assert compose_input("In stock?", "Thanks") == "In stock?\n\nThanks"


def test_evidence_json_round_trip(clf):
    evidence = clf.classify("", "Please send invoice INV-2024-0113 for $1,240.00 by Friday.").evidence
    assert evidence
    assert Evidence.from_json(Evidence.to_json(evidence)) == evidence
    assert nlp.evidence_from_json(nlp.evidence_to_json(evidence)) == evidence
    assert Evidence.from_json(None) == [] and Evidence.from_json("") == []


def test_empty_text(clf):
    result = clf.classify("", "")
    assert result.label in nlp.LABELS
    assert result.evidence == []


def test_a_message_without_words_beside_normal_mail(clf):
    # An empty message in a batch crashed nlp.pipe (IndexError in ops.ngrams), so every
    # later import of that account failed on the same pending batch.
    normal = [("Hi", "Can you reply?"), ("", "ok"), ("Order", "x")]
    batch = list(clf.classify_many([("", ""), normal[0], (None, None), *normal[1:], ("", " ")]))
    assert [r.to_dict() for r in (batch[1], batch[3], batch[4])] == [clf.classify(*item).to_dict() for item in normal]
    for empty in (batch[0], batch[2]):
        assert (empty.label, empty.needs_reply, empty.evidence) == ("other", False, [])
        assert empty.to_dict() == clf.classify("", "").to_dict()  # the same alone as among others


LOG_LINE = "2026-11-30 12:00:01 worker[4411] INFO processed batch 8812 of queue imports in 0.41 s\n"


def test_long_mail_reads_only_its_beginning_and_evidence_points_into_the_full_body(clf):
    """A 1,000-word mail is classified on its subject and first BODY_CHARS characters: the
    log pasted below does not change the result, and the evidence offsets index the full body."""
    opening = "Hi team, the invoice INV-2024-0113 for $1,240.00 was charged twice. Can you refund it? "
    body = opening + LOG_LINE * 120
    assert len(body.split()) > 1000
    result = clf.classify("Double charge", body)
    head = body[:nlp.BODY_CHARS]
    alone = clf.classify("Double charge", head)
    assert (result.label, result.needs_reply, result.scores) == (alone.label, alone.needs_reply, alone.scores)
    assert result.classified_text == body and result.evidence
    assert all(body[e.start:e.end] == e.text for e in result.evidence if not e.kind.startswith("subject:"))
    assert any(e.text == "$1,240.00" for e in result.evidence)
    assert all(e.end <= nlp.BODY_CHARS for e in result.evidence)


def test_compose_input_cuts_the_body_at_a_word_end():
    words = "refund " * 400
    composed = compose_input("Subject", words)
    body = composed[len("Subject\n\n"):]
    assert len(body) <= nlp.BODY_CHARS and words.startswith(body) and body.endswith("refund")
    unbroken = "x" * 3000  # no space to cut at: cut at the limit
    assert compose_input("", unbroken) == "x" * nlp.BODY_CHARS


def test_a_long_running_classifier_forgets_the_words_it_read_and_labels_the_same(monkeypatch):
    from nlp import classifier as module

    reloads = []

    def reload():
        reloads.append(1)
        return module.load_pipeline()

    clf = module.Classifier(module.load_pipeline(), reload=reload)
    known = ("Damaged delivery", "My order #48213 arrived damaged and nobody has answered. I want a refund.")
    before = clf.classify(*known)
    monkeypatch.setattr(module, "MAX_LEXEMES", len(clf.nlp.vocab) + 1_000)
    made_up = [f"zq{n}xw" for n in range(3_000)]  # words no mail had before: each a new lexeme
    list(clf.classify_many([("", " ".join(made_up[i:i + 100])) for i in range(0, 3_000, 100)], batch_size=10))
    assert reloads
    assert len(clf.nlp.vocab) <= module.MAX_LEXEMES + 1_000
    assert clf.classify(*known) == before
