"""The English fragment pools and how one message draws from them: which registers each label
is written in, the ask/tell lists, the dev-split picker and the {slot} filler."""

from __future__ import annotations

import random
import re

from nlp.corpus.fragment_files import load_lists

L = load_lists("en")
"""The team's fragments, nlp/corpus/fragments/en/<label>/<register>.jsonl, as lists by name."""
DEV_EVERY = 5  # every DEV_EVERY-th fragment of a long list is kept for dev

REGISTERS = {
    "inquiry": [("email", 30), ("casual", 10), ("tweet", 35), ("utterance", 25), ("seller", 10), ("reply", 3)],
    "sale": [("email", 30), ("casual", 10), ("tweet", 25), ("utterance", 35), ("seller", 14)],
    "complaint": [("email", 25), ("casual", 10), ("tweet", 30), ("utterance", 15), ("narrative", 20), ("seller", 7)],
    "other": [("email", 18), ("colleague", 32), ("news", 10), ("bulk", 10), ("social", 10), ("tweet", 12),
              ("utterance", 8), ("casual", 7), ("seller", 9), ("reply", 5)],
}
TWEETS = {"inquiry": L.TWEET_INQUIRY + L.TWEET_INQUIRY_2 + [x.lower() for x in L.INQUIRY_WIDE[-12:]] + L.INQUIRY_SITUATION
                      + L.TWEET_INQUIRY_3,
          "sale": L.TWEET_SALE + [x.lower() for x in L.SALE_WIDE[-6:]] + L.TWEET_SALE_2,
          "complaint": L.TWEET_COMPLAINT + L.TWEET_COMPLAINT_2 + L.COMPLAINT_WIDE[-8:] + L.COMPLAINT_INDIRECT + L.TWEET_COMPLAINT_3,
          "other": L.TWEET_OTHER + L.OTHER_TWEET_WIDE + L.TWEET_OTHER_2 + L.OTHER_PRAISE + L.TWEET_OTHER_3}
ACTIONS = {"inquiry": L.INQUIRY_ACTIONS, "sale": L.SALE_ACTIONS, "complaint": L.COMPLAINT_ACTIONS,
           "other": L.OTHER_ACTIONS}
ASKS = re.compile(r"\?|\b(please(?! note| find| see)|pls|can you|could you|can i|fix it|sort it out|i want"
                  r"|i'd like|need to|want to|send me|would you)\b", re.IGNORECASE)


def _split(items: list[str]) -> tuple[list[str], list[str]]:
    return [x for x in items if ASKS.search(x)], [x for x in items if not ASKS.search(x)]


_INQUIRY_MORE = _split(L.INQUIRY_MORE + L.INQUIRY_WIDE)
_SALE_MORE = _split(L.SALE_MORE + L.SALE_WIDE)
_COMPLAINT_MORE = _split(L.COMPLAINT_MORE + L.COMPLAINT_WIDE)
_OTHER_MORE = _split(L.OTHER_MORE + L.OTHER_WIDE)
ASK = {"inquiry": L.INQUIRY_ASK + _INQUIRY_MORE[0] + L.CUSTOMER_RFQ, "sale": L.SALE_ASK + _SALE_MORE[0],
       "complaint": L.COMPLAINT_ASK + _COMPLAINT_MORE[0], "other": L.OTHER_ASK + _OTHER_MORE[0]}
TELL = {"inquiry": L.INQUIRY_TELL + _INQUIRY_MORE[1], "sale": L.SALE_TELL + _SALE_MORE[1] + L.SELLER_CONFIRM,
        "complaint": L.COMPLAINT_TELL + _COMPLAINT_MORE[1], "other": L.OTHER_TELL + _OTHER_MORE[1]}
UTTER = {"inquiry": L.INQUIRY_UTTER, "sale": L.SALE_UTTER, "complaint": L.COMPLAINT_UTTER,
         "other": L.OTHER_UTTER}
# share of utterances that ask (support-chat requests are requests; "hello" is not)
UTTER_ASKS = {"inquiry": True, "sale": True, "complaint": True, "other": False}


class Picker:
    """Chooses fragments, keeping every DEV_EVERY-th fragment of long lists for dev only."""

    def __init__(self, rng: random.Random, split: str):
        self.rng = rng
        self.split = split

    def pool(self, items: list[str]) -> list[str]:
        if len(items) < 10:
            return items
        dev = [x for i, x in enumerate(items) if i % DEV_EVERY == DEV_EVERY - 1]
        train = [x for i, x in enumerate(items) if i % DEV_EVERY != DEV_EVERY - 1]
        return dev if self.split == "dev" else train

    def one(self, items: list[str]) -> str:
        return self.rng.choice(self.pool(items))

    def some(self, items: list[str], k: int) -> list[str]:
        pool = self.pool(items)
        return self.rng.sample(pool, min(k, len(pool)))


class Slots:
    """Fills {slot} placeholders consistently within one message."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.domain_name = rng.choice(list(L.DOMAINS))
        self.domain = L.DOMAINS[self.domain_name]
        r = rng
        self.values = {
            "company": r.choice(self.domain["companies"]),
            "handle": r.choice(self.domain["handles"]),
            "product": r.choice(self.domain["products"]),
            "service": r.choice(self.domain["services"]),
            "unit": r.choice(self.domain["units"]),
            "industry": self.domain_name if self.domain_name != "saas" else "software",
            "first": r.choice(L.FIRST_NAMES),
            "name": f"{r.choice(L.FIRST_NAMES)} {r.choice(L.LAST_NAMES)}",
            "colleague": r.choice(L.FIRST_NAMES) if r.random() < 0.6
            else f"{r.choice(L.FIRST_NAMES)} {r.choice(L.LAST_NAMES)}",
            "me_first": r.choice(L.FIRST_NAMES),
            "city": r.choice(L.CITIES),
            "day": r.choice(L.WEEKDAYS),
            "month": r.choice(L.MONTHS),
        }
        self.values["me"] = f"{self.values['me_first']} {r.choice(L.LAST_NAMES)}"

    def order(self) -> str:
        r = self.rng
        n = r.randint(1000, 99999999)
        return r.choice([f"#{n}", f"{n:08d}", f"SO-{n % 100000}", f"A{r.randint(10, 99)}-{n % 1000000}",
                         f"no. {n % 1000000}", f"{n}", f"ORD{n % 1000000:06d}"])

    def invoice(self) -> str:
        r = self.rng
        return r.choice([f"INV-{r.randint(2019, 2026)}-{r.randint(1, 9999):04d}", f"#{r.randint(1000, 99999)}",
                         f"{r.randint(100000, 999999)}", f"INV{r.randint(1000, 9999)}"])

    def amount(self) -> str:
        r = self.rng
        v = r.choice([r.randint(5, 99), r.randint(100, 999), r.randint(1000, 50000)])
        cents = r.choice(["", f".{r.randint(0, 99):02d}"])
        big = f"{v:,}"
        return r.choice([f"${big}{cents}", f"€{v}{cents}", f"£{big}", f"USD {big}", f"{v} dollars",
                         f"${v}", f"{big} EUR"])

    def date(self) -> str:
        r = self.rng
        m = r.choice(L.MONTHS)
        d = r.randint(1, 28)
        return r.choice([f"{m} {d}", f"{d} {m}", f"{r.randint(1, 12)}/{d}", f"{r.choice(L.WEEKDAYS)}",
                         f"next {r.choice(L.WEEKDAYS)}", f"2025-{r.randint(1, 12):02d}-{d:02d}",
                         f"the {d}th", f"{m[:3]} {d}"])

    def qty(self) -> str:
        r = self.rng
        return r.choice([str(r.randint(2, 12)), str(r.randint(10, 500)), str(r.choice([1000, 2500, 5000])),
                         r.choice(["two", "three", "five", "ten", "a dozen", "fifty"])])

    def fill(self, template: str) -> str:
        def sub(m: re.Match) -> str:
            key = m.group(1)
            if key in ("order",):
                return self.values.setdefault("order", self.order())
            if key == "invoice":
                return self.values.setdefault("invoice", self.invoice())
            if key == "amount":
                return self.amount()
            if key == "date":
                return self.date()
            if key in ("qty", "qty2"):
                return self.qty()
            return self.values.get(key, m.group(0))

        return re.sub(r"\{(\w+)\}", sub, template)

