"""The version of the shipped classifier: bump it whenever the corpus, the rules or the
training recipe change, so stored labels can tell which model produced them."""

MODEL_VERSION = "2026.12.03-1"
