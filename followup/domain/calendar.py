"""Business days in the user's time zone: the working week and a country's public holidays.

Follow-up thresholds are counted in business days. A business day is a local calendar date
(in the user's IANA time zone) that falls on a working weekday and is not a public holiday
of the configured country (from the `holidays` package; "US" or "US-CA" with a
subdivision).

Counting keeps the local wall-clock time: a mail sent on Friday 10:00 in New York is five
business days old on the next Friday at 10:00 local, also when daylight saving time changed
in between (24-hour arithmetic would say 11:00). A moment that falls outside the working
week (Saturday afternoon, a holiday) starts counting from the beginning of the next business
day: a question received on Saturday has all of Monday to be answered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib

from followup.errors import FollowupError

DEFAULT_WORKING_DAYS = (0, 1, 2, 3, 4)  # Monday=0 .. Friday=4
_ONE_DAY = timedelta(days=1)


class CalendarError(FollowupError, ValueError):
    """A time zone, working week or holiday country the calendar cannot use."""


def parse_working_days(value: str | tuple[int, ...] | list[int] | frozenset[int]) -> frozenset[int]:
    """"0,1,2,3,4" (Monday=0) or a sequence of weekday numbers."""
    if isinstance(value, str):
        try:
            days = {int(part) for part in value.replace(" ", "").split(",") if part}
        except ValueError:
            raise CalendarError(f"working days must be weekday numbers 0-6 (Monday=0): {value!r}") from None
    else:
        days = {int(d) for d in value}
    if not days or not days <= set(range(7)):
        raise CalendarError(f"working days must be weekday numbers 0-6 (Monday=0): {value!r}")
    return frozenset(days)


@lru_cache(maxsize=256)
def _holiday_dates(country: str, year: int) -> frozenset[date]:
    code, _, subdiv = country.upper().partition("-")
    try:
        table = holidays_lib.country_holidays(code, subdiv=subdiv or None, years=year)
    except (NotImplementedError, KeyError) as exc:
        raise CalendarError(f"no holiday list for country {country!r}: {exc}") from None
    return frozenset(table.keys())


def check_holiday_country(country: str) -> None:
    """Raise CalendarError unless the `holidays` package knows this country (and subdivision)."""
    _holiday_dates(country, 2000)


@dataclass
class BusinessCalendar:
    """The working calendar of one user. Cheap to build; caches its answers per date."""

    timezone: str = "UTC"
    working_days: frozenset[int] = frozenset(DEFAULT_WORKING_DAYS)
    holiday_country: str | None = None
    _cache: dict[date, bool] = field(default_factory=dict, repr=False, compare=False)
    _after: dict[tuple[date, int], date] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            self.tz = ZoneInfo(self.timezone or "UTC")
        except (ZoneInfoNotFoundError, ValueError):
            raise CalendarError(f"unknown time zone {self.timezone!r}") from None
        self.working_days = parse_working_days(self.working_days)
        if self.holiday_country:
            check_holiday_country(self.holiday_country)

    def is_holiday(self, day: date) -> bool:
        return bool(self.holiday_country) and day in _holiday_dates(self.holiday_country, day.year)

    def is_business_day(self, day: date) -> bool:
        known = self._cache.get(day)
        if known is None:
            known = day.weekday() in self.working_days and not self.is_holiday(day)
            self._cache[day] = known
        return known

    def next_business_day(self, day: date) -> date:
        """The first business day strictly after `day`."""
        day += _ONE_DAY
        for _ in range(3660):
            if self.is_business_day(day):
                return day
            day += _ONE_DAY
        raise CalendarError("no business day within ten years: check the working week and holidays")

    def business_day_after(self, day: date, n: int) -> date:
        """The n-th business day after `day` (memoised: the same dates recur across threads)."""
        key = (day, n)
        found = self._after.get(key)
        if found is None:
            found = day
            for _ in range(n):
                found = self.next_business_day(found)
            self._after[key] = found
        return found

    def local(self, moment: datetime) -> datetime:
        return _aware(moment).astimezone(self.tz)

    def at_local(self, day: date, wall: time) -> datetime:
        """The UTC instant of a local date and wall-clock time (a time skipped by DST moves on)."""
        return datetime.combine(day, wall, tzinfo=self.tz).astimezone(timezone.utc)

    def start_of_business(self, moment: datetime) -> tuple[date, time]:
        """The local (date, wall time) counting starts from: the moment itself on a business
        day, else midnight of the next business day."""
        local = self.local(moment)
        day = local.date()
        if self.is_business_day(day):
            return day, local.time().replace(tzinfo=None, fold=0)
        return self.next_business_day(day), time(0)

    def next_business_moment(self, moment: datetime) -> datetime:
        """`moment` if it falls on a business day, else the start of the next business day."""
        day, wall = self.start_of_business(moment)
        return self.at_local(day, wall)

    def business_days_in(self, after: date, until: date) -> int:
        """How many business days d with after < d <= until."""
        if until <= after:
            return 0
        total = (until - after).days
        weeks, rest = divmod(total, 7)
        count = weeks * len(self.working_days)
        day = after + timedelta(days=weeks * 7)
        for _ in range(rest):
            day += _ONE_DAY
            if day.weekday() in self.working_days:
                count += 1
        if self.holiday_country:
            start = after + _ONE_DAY
            for year in range(start.year, until.year + 1):
                for holiday in _holiday_dates(self.holiday_country, year):
                    if start <= holiday <= until and holiday.weekday() in self.working_days:
                        count -= 1
        return count


def add_business_days(start: datetime, n: int, cal: BusinessCalendar) -> datetime:
    """The instant `n` business days after `start`, at the same local wall-clock time.

    A start outside business hours-days (weekend, holiday) counts from the beginning of the
    next business day; `n=0` returns that beginning (or `start` itself on a business day).
    """
    if n < 0:
        raise ValueError("n must not be negative")
    day, wall = cal.start_of_business(start)
    return cal.at_local(cal.business_day_after(day, n), wall)


def business_days_between(a: datetime, b: datetime, cal: BusinessCalendar) -> int:
    """Whole business days elapsed from `a` to `b`: the largest n with
    add_business_days(a, n) <= b, or 0 when `b` is before that."""
    day, wall = cal.start_of_business(a)
    start = cal.at_local(day, wall)
    if _aware(b) <= start:
        return 0
    local_b = cal.local(b)
    end_day = local_b.date()
    count = cal.business_days_in(day, end_day)
    if count and cal.is_business_day(end_day) and cal.at_local(end_day, wall) > _aware(b):
        count -= 1
    return count


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: pass an aware datetime")
    return moment
