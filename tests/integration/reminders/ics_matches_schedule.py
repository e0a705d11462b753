#!/usr/bin/python3
"""Checks `katabot --ics` and `katabot --schedule` against the meetings file's rules.

Parses the feed with python3-icalendar, expands every VEVENT (RRULE, UNTIL, INTERVAL, EXDATE)
with dateutil.rrule in the event's TZID, and requires exactly the occurrences that the meetings
file describes, computed here from its rules (not by the bot), from now over the next COUNT
occurrences; `--schedule` must print the same ones. Each VTIMEZONE is also checked against the tz
database at every expanded instant.

With --overrides, an admin first skips and moves calls through `katabot --console` (kept in the
config's state_dir): skips must be EXDATEs and moves RECURRENCE-ID instances that the expansion
honours.

usage: ics_matches_schedule.py KATABOT CONFIG MEETINGS_YAML [COUNT] [--overrides]
"""
import datetime as dt
import re
import subprocess
import sys
from zoneinfo import ZoneInfo

import icalendar
import yaml
from dateutil import rrule

UTC = dt.timezone.utc
DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


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
    moved_to = dt.datetime.combine(moved, dt.time(15, 30), tzinfo=ZoneInfo("Europe/Berlin"))
    return {"architecture-committee": {skipped}, "berlin-odd": {berlin}}, {("architecture-committee", moved): moved_to}


def occurrences_by_rule(meetings_file, start, end, extra_skips, moves):
    """What the meetings file describes in [start, end], as interfaces.md states its rules: the
    weekday at the local time in the meeting's zone, ISO week parity for biweekly, skip dates left
    out; a nonexistent or ambiguous local time read as RFC 5545 does (zoneinfo, fold=0). The admins'
    skips are left out too, and each move replaces its date's occurrence."""
    with open(meetings_file, encoding="utf-8") as file:
        meetings = yaml.safe_load(file)["meetings"]
    wanted = set()
    for meeting in meetings:
        zone = ZoneInfo(meeting["timezone"])
        at = dt.time.fromisoformat(meeting["time"])
        parity = {"biweekly-odd": 1, "biweekly-even": 0}.get(meeting.get("frequency", "weekly"))
        skipped = set(meeting.get("skip", [])) | extra_skips.get(meeting["id"], set())
        day = start.astimezone(zone).date() - dt.timedelta(days=1)
        while day <= end.astimezone(zone).date() + dt.timedelta(days=1):
            if day.weekday() == DAYS.index(meeting["day"]) and day not in skipped and (
                    parity is None or day.isocalendar()[1] % 2 == parity):
                instant = moves.get((meeting["id"], day), dt.datetime.combine(day, at, tzinfo=zone)).astimezone(UTC)
                if start <= instant <= end:
                    wanted.add((instant, meeting["title"]))
            day += dt.timedelta(days=1)
    return wanted


def main():
    args = [arg for arg in sys.argv[1:] if arg != "--overrides"]
    katabot, config, meetings_file = args[0], args[1], args[2]
    count = int(args[3]) if len(args) > 3 else 400
    now = dt.datetime.now(UTC).replace(microsecond=0)
    admin_skips, admin_moves = make_overrides(katabot, config, now.date()) if "--overrides" in sys.argv else ({}, {})
    wanted_skips, wanted_moves = sum(len(days) for days in admin_skips.values()), len(admin_moves)

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
    by_rule = occurrences_by_rule(meetings_file, now, last, admin_skips, admin_moves)
    for name, occurrences in (("feed", found), ("--schedule", expected)):
        missing = sorted(by_rule - occurrences)
        extra = sorted(occurrences - by_rule)
        if missing or extra:
            sys.exit(f"{name} and the meetings file differ:\n missing: {missing[:10]}\n not in the file: {extra[:10]}")
    print(f"ok: {len(found)} occurrences of {len(uids)} VEVENTs match the meetings file and --schedule up to {last:%Y-%m-%d}")


if __name__ == "__main__":
    main()
