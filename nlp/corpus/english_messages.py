"""English messages composed from the fragments, one register at a time, and the
single needs-reply sentences: the rows of one split."""

from __future__ import annotations

import random
import re

from nlp.corpus.english_fragments import ACTIONS, ASK, ASKS, REGISTERS, TELL, TWEETS, UTTER, UTTER_ASKS, L, Picker, Slots
from nlp.corpus.noise import add_typos, casualise


def _sentences(label: str, pick: Picker, rng: random.Random, n_ask: int, n_tell: int) -> tuple[list[str], bool]:
    parts = [(s, True) for s in pick.some(ASK[label], n_ask)] + [(s, False) for s in pick.some(TELL[label], n_tell)]
    rng.shuffle(parts)
    return [p for p, _ in parts], any(a for _, a in parts)


def compose(label: str, register: str, rng: random.Random, pick: Picker) -> dict:
    slots = Slots(rng)
    subject = None
    needs = False
    if register == "utterance" and label == "complaint" and rng.random() < 0.35:
        text = rng.choice(L.PROBLEM_LEADS) + pick.one(L.PROBLEM_ACTIONS) + rng.choice(L.PROBLEM_TAILS)
        if rng.random() < 0.3:
            text = add_typos(text, rng, 0.12)
        if rng.random() < 0.4:
            text = text[0].upper() + text[1:]
        needs = bool(ASKS.search(text)) or "help" in text
    elif register == "seller":
        subject, text, needs = seller_mail(label, rng, pick, slots)
    elif register == "reply":
        subject, text, needs = reply_under_question(label, rng, pick, slots)
    elif register == "utterance" and rng.random() < 0.6:
        action = pick.one(ACTIONS[label])
        action = action.replace("{thing}", rng.choice(L.THINGS)).replace("{trip}", rng.choice(L.TRIPS))
        action = action.replace("{room}", rng.choice(L.ROOMS)).replace("{plan}", rng.choice(L.PLANS))
        text = slots.fill(rng.choice(L.LEADS) + action)
        if rng.random() < 0.3:
            text = add_typos(text, rng, 0.15)
        if rng.random() < 0.3:
            text = text[0].upper() + text[1:]
        if rng.random() < 0.3:
            text += rng.choice(["?", ".", " please", " asap", ", can you help?", " thx", " now"])
        needs = True
    elif register == "utterance":
        text = slots.fill(pick.one(UTTER[label]))
        needs = UTTER_ASKS[label]
        if rng.random() < 0.3:
            text = text + rng.choice(["?", ".", " please", " pls", "", " thanks"])
        if rng.random() < 0.2:
            text = add_typos(text, rng, 0.1)
        if rng.random() < 0.25:
            text = text[0].upper() + text[1:]
    elif register == "narrative":
        parts = [pick.one(L.NARRATIVE_OPEN)] + pick.some(L.NARRATIVE_MIDDLE + L.NARRATIVE_MORE, rng.randint(2, 6))
        if rng.random() < 0.7:
            parts.append(pick.one(L.NARRATIVE_CLOSE))
        if rng.random() < 0.25:
            parts.insert(rng.randint(1, len(parts)), pick.one(L.COMPLAINT_TELL))
        text = " ".join(slots.fill(p) for p in parts)
        needs = rng.random() < 0.15
        if needs:
            text += " " + slots.fill(pick.one(L.COMPLAINT_ASK))
        if rng.random() < 0.1:
            text = text.upper()
    elif register == "bulk":
        parts = pick.some(L.OTHER_BULK, rng.randint(2, 5))
        text = "\n".join(slots.fill(p) for p in parts)
        if rng.random() < 0.5:
            subject = slots.fill(rng.choice(["{company} newsletter", "Weekly digest", "Last chance!",
                                             "New arrivals", "Account notice", "Your {month} update"]))
    elif register == "social":
        parts = pick.some(L.OTHER_SOCIAL, rng.randint(1, 2))
        text = " ".join(slots.fill(p) for p in parts)
        if rng.random() < 0.4:
            text += " " + rng.choice(L.EMOJI)
    elif register == "tweet" and (label == "other" or rng.random() < 0.5):
        text = slots.fill(pick.one(TWEETS[label]))
        if rng.random() < 0.3:
            extra = pick.one(TWEETS[label])
            text += rng.choice([" ", ". ", "! "]) + slots.fill(extra)
        needs = label == "inquiry" or bool(ASKS.search(text))  # an inquiry tweet asks, "?" or not
        if rng.random() < 0.4:
            text = text[0].upper() + text[1:]
        handle = "@" + slots.values["handle"]
        text = f"{handle} {text}" if rng.random() < 0.75 else f"{text} {handle}"
        if rng.random() < 0.3:
            text += " " + rng.choice(L.EMOJI)
        if rng.random() < 0.15:
            text += " " + rng.choice(L.HASHTAGS)
        if rng.random() < 0.15:
            text += " https://t.co/" + "".join(rng.choice("abcdefghijkLMNOPQ0123456789") for _ in range(10))
    elif register == "colleague":
        n_ask = rng.choice([0, 0, 1, 1, 2])
        n_tell = rng.choice([1, 1, 2, 3, 4, 6]) if n_ask < 2 else rng.choice([0, 1, 3])
        parts = ([(x, True) for x in pick.some(L.COLLEAGUE_ASK + L.COLLEAGUE_ASK_2 + L.OTHER_ASK + L.PROPOSE, n_ask)]
                 + [(x, False) for x in pick.some(L.COLLEAGUE_TELL + L.COLLEAGUE_TELL_2 + L.OTHER_TELL + L.OTHER_WIDE
                                                  + L.OTHER_BUSINESS_TROUBLE + L.OTHER_BUSINESS_TROUBLE_2 + L.OTHER_MEMO, n_tell)])
        rng.shuffle(parts)
        if rng.random() < 0.5:
            ask = rng.random() < 0.4
            parts.append((frame(rng, pick, ask) if rng.random() < 0.85 else pick.one(L.TELL_FRAMES[-3:]), ask))
        needs = any(a for _, a in parts)
        body = [slots.fill(x) for x, _ in parts] or [slots.fill(pick.one(L.COLLEAGUE_TELL))]
        if rng.random() < 0.3:
            body.append(slots.fill(pick.one(L.NEWS)))
        text = (" " if rng.random() < 0.6 else "  ").join(body)
        if rng.random() < 0.4:
            text = slots.values["first"] + rng.choice([",\n\n", " -- ", ", "]) + text
        if rng.random() < 0.5:
            text += rng.choice(["\n\n", "  ", " "]) + slots.values["me_first"]
        if rng.random() < 0.8:
            subject = rng.choice(["Re: ", "RE: ", "", "FW: ", "Fwd: "]) + slots.fill(rng.choice([
                "{month} forecast", "staff meeting", "organizational announcement", "draft comments",
                "Project {city}", "hearing schedule", "{first}'s promotion", "budget", "interview schedule",
                "conference call", "{city} trip", "regulatory update", "job description", "lunch",
                "testimony draft", "request", "follow up", "deal review", "press release", "agenda"]))
    elif register == "news":
        parts = pick.some(L.NEWS + L.OTHER_BUSINESS_TROUBLE + L.OTHER_BUSINESS_TROUBLE_2 + L.OTHER_MEMO, rng.randint(2, 7))
        text = " ".join(slots.fill(x) for x in parts)
        if rng.random() < 0.5:
            text = slots.fill(rng.choice(["FYI. ", "Interesting article. ", "See below. ", "{first} -- worth a read. ",
                                          "You may have seen this already. "])) + text
        subject = rng.choice(["Fw: ", "FW: ", "", "Re: "]) + slots.fill(rng.choice(
            ["press clips {month}", "{company} in the news", "market update", "Daily energy news",
             "article", "{city} power crisis", "news summary"]))
    elif register == "tweet":
        n_ask = rng.choice([0, 1, 1, 1]) if label != "inquiry" else 1
        n_tell = rng.choice([0, 1, 1, 2]) if n_ask else rng.choice([1, 2])
        sents, needs = _sentences(label, pick, rng, n_ask, n_tell)
        text = " ".join(slots.fill(s) for s in sents)
        text = casualise(text, rng) if rng.random() < 0.6 else text
        handle = "@" + slots.values["handle"]
        text = f"{handle} {text}" if rng.random() < 0.8 else f"{text} {handle}"
        if rng.random() < 0.3:
            text += " " + rng.choice(L.EMOJI)
        if rng.random() < 0.2:
            text += " " + rng.choice(L.HASHTAGS)
        if rng.random() < 0.1:
            text = text.upper()
    else:  # email, casual
        casual = register == "casual"
        n_ask = rng.choice([0, 1, 1, 2])
        if label == "inquiry":
            n_ask = max(n_ask, 1)
        n_tell = rng.choice([0, 1, 1, 2]) if n_ask else rng.choice([1, 2, 3])
        sents, needs = _sentences(label, pick, rng, n_ask, n_tell)
        if label == "complaint" and rng.random() < 0.3:
            # the purchase that went wrong, told first
            sents.insert(0, rng.choice(["I ordered the {product} on {date}.",
                                        "We placed order {order} with you last month.",
                                        "I bought a {product} from your {city} store.",
                                        "I paid {amount} for {service}."]))
        if label == "other" and rng.random() < 0.2:
            sents.append(rng.choice(["The {company} deal is still on track.",
                                     "Sales were up in {month}.",
                                     "We expect the contract with {company} to close next quarter."]))
        body = [slots.fill(s) for s in sents]
        if rng.random() < 0.3:
            body.insert(0, slots.fill(pick.one(L.FILLER)))
        sep = " " if rng.random() < 0.6 else "\n"
        text = sep.join(body)
        greet_list = L.GREET_CASUAL if casual else L.GREET_FORMAL
        close_list = L.CLOSE_CASUAL if casual else L.CLOSE_FORMAL
        if rng.random() < (0.5 if casual else 0.7):
            text = slots.fill(rng.choice(greet_list)) + "\n\n" + text
        if rng.random() < (0.4 if casual else 0.6):
            text = text + "\n\n" + slots.fill(rng.choice(close_list))
        if casual:
            text = casualise(text, rng)
        elif rng.random() < 0.15:
            text = add_typos(text, rng, 0.04)
        if not casual and rng.random() < 0.55:
            subject = slots.fill(rng.choice(L.SUBJECTS[label]))
            if rng.random() < 0.25:
                subject = rng.choice(["Re: ", "RE: ", "Fwd: ", "FW: "]) + subject
        if not casual and rng.random() < 0.05:
            text += ("\n\n---------- Forwarded message ----------\nFrom: " + slots.values["name"]
                     + "\nSubject: " + slots.fill(rng.choice(L.SUBJECTS["other"])) + "\n\n"
                     + slots.fill(pick.one(L.OTHER_TELL)))
    row = {"text": text}
    if subject:
        row["subject"] = subject
    row["label"] = label
    row["needs_reply"] = bool(needs)
    return row


def seller_mail(label: str, rng: random.Random, pick: Picker, slots: Slots) -> tuple[str | None, str, bool]:
    """A short reply in a quote thread: the seller confirming an order or sending a quote, or
    the customer accepting a quote or asking for one. Subject: the thread's, often an inquiry's."""
    needs = False
    if label == "sale" and rng.random() < 0.65:  # the seller confirms: asks nothing
        body = [rng.choice(L.SELLER_CONFIRM_OPEN), pick.one(L.SELLER_CONFIRM), rng.choice(L.SELLER_CONFIRM_CLOSE)]
    elif label == "sale":  # the customer's go-ahead
        body = [pick.one(L.CUSTOMER_GO_AHEAD)]
        needs = rng.random() < 0.5
        if not needs:
            body[0] = body[0].replace("please ", "").replace(", thanks", "")
            body.append(rng.choice(["Thanks for the quick turnaround.", "PO to follow.", "", "Thanks."]))
    elif label == "other":  # the customer's thanks or a closing note: nothing asked, no new sale
        body = [pick.one(L.CUSTOMER_THANKS)]
    elif label == "complaint":  # a complaint said politely or played down
        body = [pick.one(L.POLITE_COMPLAINT)]
        needs = bool(ASKS.search(body[0]))
    elif rng.random() < 0.2:  # the prospect will decide later
        body = [pick.one(L.CUSTOMER_LATER)]
    elif rng.random() < 0.6:  # the seller's quote or answer: the deal is still open
        body = [pick.one(L.SELLER_QUOTE)]
        if rng.random() < 0.5:
            body.append(pick.one(L.SELLER_QUOTE_ASK))
            needs = True
    else:  # the prospect asks
        body = [pick.one(L.CUSTOMER_RFQ)]
        needs = True
    text = " ".join(slots.fill(b) for b in body if b)
    if rng.random() < 0.8:
        text = slots.fill(rng.choice(["Hi {first},", "Hello {first},", "Dear {first},", "{first},", "Hi {first}"])) \
            + "\n\n" + text
    if rng.random() < 0.7:
        text += "\n\n" + slots.fill(rng.choice(["Best regards,\n{me_first}", "Thanks,\n{me_first}", "Cheers,\n{me_first}",
                                                  "Kind regards,\n{me}", "Best,\n{me_first}"]))
    subject = None
    if rng.random() < 0.85:
        subject = slots.fill(rng.choice(L.POLITE_COMPLAINT_SUBJECTS if label == "complaint" else L.SELLER_SUBJECTS))
        if rng.random() < 0.7:
            subject = rng.choice(["Re: ", "RE: ", "Re: ", "AW: "]) + subject
    return subject, text, needs


def reply_under_question(label: str, rng: random.Random, pick: Picker, slots: Slots) -> tuple[str, str, bool]:
    """A reply in a thread whose first message asked something: the customer's thanks
    (``other``, nothing asked) or a new question (``inquiry``); the subject is no guide."""
    subject = rng.choice(["Re: ", "RE: ", "Re: ", "AW: ", "Re: Re: "]) + slots.fill(rng.choice(L.QUESTION_SUBJECTS))
    if label == "inquiry":
        return subject, slots.fill(pick.one(L.INQUIRY_ASK)), True
    return subject, slots.fill(pick.one(L.CUSTOMER_THANKS)), False


def frame(rng: random.Random, pick: Picker, ask: bool) -> str:
    """One sentence from the grammar in fragments_extra: asking the reader, or telling."""
    if not ask and rng.random() < 0.2:
        return pick.one(L.BULK_TELL)
    if not ask and rng.random() < 0.3:
        return pick.one(L.LONG_TELL)
    if ask and rng.random() < 0.25:
        return pick.one(L.INDIRECT_ASK).replace("{name}", rng.choice(L.NAMES))
    text = pick.one(L.ASK_FRAMES if ask else L.TELL_FRAMES)
    names = rng.sample(L.NAMES, 2)
    text = (text.replace("{vp}", pick.one(L.VP)).replace("{obj}", rng.choice(L.OBJECTS))
            .replace("{time}", rng.choice(L.TIMES)).replace("{name}", names[0], 1).replace("{name}", names[1]))
    text = re.sub(r" +([?.,])", r"\1", re.sub(r"  +", " ", text)).strip()
    return text[0].upper() + text[1:]


def sentence_rows(rng: random.Random, pick: Picker, n: int) -> list[dict]:
    asks = (L.NR_ASK + L.INQUIRY_ASK + L.SALE_ASK + L.COMPLAINT_ASK + L.OTHER_ASK + L.COLLEAGUE_ASK + L.COLLEAGUE_ASK
            + L.COLLEAGUE_ASK_2 + L.PROPOSE)
    tells = (L.NR_TELL + L.OTHER_BUSINESS_TROUBLE + L.OTHER_BUSINESS_TROUBLE_2 + L.OTHER_MEMO + L.OTHER_PRAISE + L.OTHER_WIDE + L.OTHER_TWEET_WIDE + L.OTHER_TELL + L.OTHER_BULK + L.OTHER_SOCIAL + L.SALE_TELL + L.COMPLAINT_TELL
             + L.INQUIRY_TELL + L.NARRATIVE_MIDDLE + L.FILLER + L.COLLEAGUE_TELL + L.COLLEAGUE_TELL_2 + L.NEWS + L.NARRATIVE_MORE)
    rows = []
    for i in range(n):
        slots = Slots(rng)
        ask = rng.random() < 0.5
        if rng.random() < 0.5:
            text = frame(rng, pick, ask)
        else:
            text = slots.fill(pick.one(asks if ask else tells))
        if rng.random() < 0.25:
            text = casualise(text, rng)
        rows.append({"text": text, "needs_reply": ask})
    return rows


def build(split: str, n_docs: int, n_sentences: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    pick = Picker(rng, split)
    labels = ["inquiry", "sale", "complaint", "other"]
    rows = []
    for i in range(n_docs):
        label = labels[i % 4]
        regs, weights = zip(*REGISTERS[label])
        register = rng.choices(regs, weights)[0]
        rows.append(compose(label, register, rng, pick))
    rows += sentence_rows(rng, pick, n_sentences)
    rng.shuffle(rows)
    return rows

