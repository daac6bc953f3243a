"""What the write-back stages hand each other: the report, the plan, what was stored."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from followup.nudges.writeback.keyword import DEFAULT_KEYWORD, VIA_KEYWORD


@dataclass
class WritebackReport:
    account_id: int
    enabled: bool = False
    keyword: str = DEFAULT_KEYWORD
    set: int = 0
    removed: int = 0
    done_in_client: int = 0
    stores: int = 0
    connected: bool = False
    skipped_folders: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class PlannedLocation:
    """A message location the plan touches."""

    location_id: int
    folder_id: int
    uidvalidity: int
    uid: int
    flags: tuple[str, ...]


@dataclass
class Plan:
    keyword: str
    add: dict[int, list[tuple[int, PlannedLocation]]] = field(default_factory=dict)  # folder → (task, location)
    remove: dict[int, list[tuple[PlannedLocation, str]]] = field(default_factory=dict)  # folder → (location, keyword)
    forget: list[int] = field(default_factory=list)  # mark ids whose task no longer wants it
    folders: dict[int, tuple[str, int | None]] = field(default_factory=dict)  # id → (name, uidvalidity)

    @property
    def empty(self) -> bool:
        return not self.add and not self.remove


@dataclass
class Stored:
    """What the store stage wrote to the server."""

    via: str = VIA_KEYWORD
    added: set[int] = field(default_factory=set)  # location ids that carry the keyword now
    removed: set[tuple[int, str]] = field(default_factory=set)  # (location id, keyword) taken off
