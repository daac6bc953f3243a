"""A tiny labelled corpus for training the classifier in a test: every label, a few
templates each, and rows that only say whether an answer is needed."""

import json

ROWS = {
    "inquiry": ["How much does the {} cost?", "Do you have the {} in stock?", "Can I get a quote for the {}?"],
    "sale": ["I want to order the {}.", "Please renew my {} subscription.", "We paid the invoice for the {}."],
    "complaint": ["The {} arrived broken, I want a refund.", "My {} never arrived, terrible service.",
                  "I was charged twice for the {}."],
    "other": ["Thanks for lunch, see you at the {} offsite.", "The {} meeting moved to 4pm.",
              "Happy birthday from the {} team!"],
}
THINGS = ["desk", "router", "plan", "sofa", "ticket", "valve"]


def write_corpus(folder):
    folder.mkdir()
    for split in ("train", "dev"):
        with (folder / f"{split}.jsonl").open("w") as fh:
            for label, templates in ROWS.items():
                for t in templates:
                    for thing in THINGS:
                        text = t.format(thing)
                        fh.write(json.dumps({"text": text, "label": label,
                                             "needs_reply": "?" in text or text.startswith("Please")}) + "\n")
            fh.write(json.dumps({"text": "Could you call me back?", "needs_reply": True}) + "\n")
            fh.write(json.dumps({"text": "See you soon.", "needs_reply": False}) + "\n")
    return folder
