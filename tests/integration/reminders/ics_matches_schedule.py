#!/usr/bin/python3
"""Checks `katabot --ics` with a real iCalendar parser against `katabot --schedule`.

Parses the feed with python3-icalendar, expands every VEVENT (RRULE, UNTIL, INTERVAL, EXDATE)
with dateutil.rrule in the event's TZID, and requires exactly the occurrences the bot itself
prints, from now over the next COUNT occurrences. Each VTIMEZONE is also checked against the tz
database at every expanded instant.

With --overrides, an admin first skips and moves calls through `katabot --console` (kept in the
config's state_dir): skips must be EXDATEs and moves RECURRENCE-ID instances that the expansion
honours.

usage: ics_matches_schedule.py KATABOT CONFIG [COUNT] [--overrides]
"""
import datetime as dt
import re
import subprocess
import sys
from zoneinfo import ZoneInfo

import icalendar
from dateutil import rrule

UTC = dt.timezone.utc


def run(*args):
    result = subprocess.run(args, capture_output=True, timeout=60)
    if result.returncode != 0:
        sys.exit(f"{' '.join(args)} exited {result.returncode}: {result.stderr.decode(errors='replace')}")
    return result.stdout


def zone_of(prop):
    tzid = prop.params.get("TZID")
    return ZoneInfo(str(tzid)) if tzid else UTC


def as_aware(value, zone):
    # icalendar attaches its own tz objects; rebuild from the wall time so that zoneinfo applies
    # RFC 5545's reading of nonexistent and ambiguous times (fold=0).
    if value.tzinfo is not None and zone is UTC:
        return value.astimezone(UTC)
    return value.replace(tzinfo=None).replace(tzinfo=zone)


def exdates(event, zone):
    values = event.get("EXDATE")
    if values is None:
        return []
    if not isinstance(values, list):
        values = [values]
    return [as_aware(item.dt, zone) for group in values for item in group.dts]


def thursdays_after(day, odd_week=None):
    day += dt.timedelta(days=(3 - day.weekday()) % 7 or 7)
    while odd_week is not None and day.isocalendar()[1] % 2 != (1 if odd_week else 0):
        day += dt.timedelta(days=7)
    return day


def make_overrides(katabot, config, today):
    skipped = thursdays_after(today)
    moved = skipped + dt.timedelta(days=7)
    berlin = thursdays_after(today, odd_week=True)
    lines = [f"!skip architecture-committee {skipped} holidays", f"!move ac {moved} 15:30 Europe/Berlin",
             f"!skip berlin-odd {berlin} conference"]
    result = subprocess.run([katabot, "--console", "--config", config], input="\n".join(lines).encode(),
                            capture_output=True, timeout=60)
    out = result.stdout.decode()
    assert result.returncode == 0 and out.count("Skipped:") == 2 and "Moved:" in out, out
    return 2, 1


def main():
    args = [arg for arg in sys.argv[1:] if arg != "--overrides"]
    katabot, config = args[0], args[1]
    count = int(args[2]) if len(args) > 2 else 400
    now = dt.datetime.now(UTC).replace(microsecond=0)
    wanted_skips, wanted_moves = make_overrides(katabot, config, now.date()) if "--overrides" in sys.argv else (0, 0)

    raw = run(katabot, "--ics", "--config", config)
    lines = raw.split(b"\r\n")
    assert raw.endswith(b"\r\n"), "feed must end with CRLF"
    assert b"\n" not in raw.replace(b"\r\n", b""), "bare LF in feed"
    too_long = [line for line in lines if len(line) > 75]
    assert not too_long, f"lines over 75 octets: {too_long[:3]}"
    calendar = icalendar.Calendar.from_ical(raw)
    assert calendar["VERSION"] == "2.0"

    schedule_text = run(katabot, "--schedule", "--from", now.strftime("%Y-%m-%dT%H:%M:%SZ"), "--count", str(count),
                        "--config", config).decode()
    expected = set()
    for line in schedule_text.splitlines():
        match = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)\s+(\S+)\s+(.*) \(", line)
        if "  CANCELLED" in line:
            continue
        if match:
            start = dt.datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            expected.add((start, match.group(3)))
    assert len(expected) == count, f"--schedule printed {len(expected)} occurrences, wanted {count}"
    last = max(start for start, _ in expected)

    vtimezones = {str(tz["TZID"]): tz.to_tz() for tz in calendar.walk("VTIMEZONE")}
    series = [event for event in calendar.walk("VEVENT") if "RECURRENCE-ID" not in event]
    instances = [event for event in calendar.walk("VEVENT") if "RECURRENCE-ID" in event]
    uids = [str(event["UID"]) for event in series]
    assert len(uids) == len(set(uids)), f"duplicate UIDs: {uids}"

    # A moved occurrence replaces the series' instance at its RECURRENCE-ID (RFC 5545 3.8.4.4).
    found = set()
    replaced = {}
    for event in instances:
        assert str(event["UID"]) in uids, f"instance of an unknown series: {event['UID']}"
        zone = zone_of(event["RECURRENCE-ID"])
        replaced.setdefault(str(event["UID"]), []).append(as_aware(event["RECURRENCE-ID"].dt, zone))
        start = as_aware(event["DTSTART"].dt, zone_of(event["DTSTART"])).astimezone(UTC)
        if now <= start <= last:
            found.add((start, str(event["SUMMARY"])))
    skips = 0
    for event in series:
        zone = zone_of(event["DTSTART"])
        start = as_aware(event["DTSTART"].dt, zone)
        rules = rrule.rruleset()
        rules.rrule(rrule.rrulestr(event["RRULE"].to_ical().decode(), dtstart=start))
        for excluded in exdates(event, zone) + replaced.get(str(event["UID"]), []):
            rules.exdate(excluded)
        skips += sum(1 for excluded in exdates(event, zone) if now <= excluded.astimezone(UTC) <= last)
        title = str(event["SUMMARY"])
        for occurrence in rules.between(now, last, inc=True):
            instant = occurrence.astimezone(UTC)
            found.add((instant, title))
            if zone is not UTC:
                declared = vtimezones[zone.key].fromutc(instant.replace(tzinfo=None)).utcoffset()
                assert declared == instant.astimezone(zone).utcoffset(), f"VTIMEZONE {zone.key} wrong at {instant}"

    if wanted_skips:
        # The feed has the yaml's skip dates too; the admins' ones come on top.
        assert skips >= wanted_skips, f"only {skips} EXDATEs ahead, wanted at least {wanted_skips}"
        assert len(instances) == wanted_moves, f"{len(instances)} RECURRENCE-ID instances, wanted {wanted_moves}"
    missing = sorted(expected - found)
    extra = sorted(found - expected)
    if missing or extra:
        sys.exit(f"feed and schedule differ:\n missing from feed: {missing[:10]}\n only in feed: {extra[:10]}")
    print(f"ok: {len(found)} occurrences of {len(uids)} VEVENTs match --schedule up to {last:%Y-%m-%d}")


if __name__ == "__main__":
    main()
