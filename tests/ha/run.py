"""One run of one scenario: the whole rig started fresh, the replicas' schedule planned so that
reminders fall due at chosen instants after the anchor T, and what the rig saw, read back."""
import datetime
import math
import re
import shutil
import tempfile
import time
import pathlib

import rig
from rig import Failure, wait_until

# How long the replicas get from their start to the anchor T: electing a leader, its IRC connection
# and every replica's Slack connection. Reminders are planned relative to T before they start.
SETUP_SECONDS = 6


def meetings_yaml(slots):
    """One weekly meeting per slot, each starting on a whole minute at least a minute after its
    reminder, whose offset makes the reminder fall due at the slot's instant (whole seconds)."""
    lines = ["meetings:"]
    for name, due in slots.items():
        due = math.ceil(due)
        start = (due + 60 + 59) // 60 * 60
        start_utc = datetime.datetime.fromtimestamp(start, datetime.timezone.utc)
        lines += [f"  - id: ha-slot-{name.lower()}",
                  f"    title: {slot_title(name)}",
                  f"    day: {start_utc.strftime('%A').lower()}",
                  f"    time: \"{start_utc.strftime('%H:%M')}\"",
                  "    timezone: UTC",
                  "    agenda: https://etherpad.opendev.org/p/ha-check",
                  "    join: https://zoom.us/j/42",
                  f"    reminders: [{start - due}s]"]
    return "\n".join(lines) + "\n"


def slot_title(name):
    return f"HA check {name}"


class Run:
    def __init__(self, args, slots):
        self.args = args
        self.ttl = args.ttl
        self.directory = pathlib.Path(tempfile.mkdtemp(prefix="katabot-ha-"))
        self.directory.chmod(0o755)  # ircd-hybrid runs as the irc user
        self.children = rig.Children()
        self.observer = None
        self.slot_offsets = slots
        self.slots = {}
        self.replicas = []
        self.violations = []
        self.figures = {}
        self.anchor = None

    # --- the rig ---
    def start(self):
        self.etcd = rig.EtcdCluster(self.children, self.directory)
        self.etcd.wait_healthy(30)
        irc_port = rig.free_port()
        rig.start_ircd(self.children, self.directory, irc_port)
        self.slack = rig.FakeSlack(self.args.fake_slack)
        self.children.adopt(self.slack.process)
        self.observer = rig.IrcObserver(irc_port)
        self.anchor = time.time() + SETUP_SECONDS
        self.slots = {name: self.anchor + offset for name, offset in self.slot_offsets.items()}
        knowledge = rig.make_knowledge(self.directory, meetings_yaml(self.slots))
        for index in range(self.args.replicas):
            identity = f"ha-{chr(ord('a') + index)}"
            config = rig.replica_config(identity, knowledge, irc_port, self.slack.api_base, self.etcd.endpoints(),
                                        self.ttl, self.directory / identity / "state")
            self.replicas.append(rig.Replica(self.children, self.directory, self.args.katabot, identity, config))
        for replica in self.replicas:
            replica.start()
        leader = wait_until(self.all_running(self.sole_leader), SETUP_SECONDS, "one replica leading")
        wait_until(self.all_running(lambda: any(c.left is None for c in self.connections())), SETUP_SECONDS,
                   f"the leader {leader.identity} in {rig.IRC_CHANNEL}")
        if self.slack.wait_connections(len(self.replicas), SETUP_SECONDS) != len(self.replicas):
            raise Failure(f"not every replica has a Socket Mode connection open ({len(self.replicas)} expected)")
        if time.time() > self.anchor:
            raise Failure(f"setup took longer than the {SETUP_SECONDS} s planned before the first reminders")
        self.at(0)

    def all_running(self, predicate):
        """The predicate, failing at once when a replica has exited (a refused configuration)."""
        def checked():
            for replica in self.replicas:
                if not replica.running():
                    last = (replica.lines() or ["(no output)"])[-1]
                    raise Failure(f"{replica.identity} exited {replica.process.returncode}: {last}")
            return predicate()
        return checked

    def close(self):
        if self.observer:
            self.observer.close()
        self.children.close()
        if self.args.keep:
            print(f"  kept {self.directory}")
        else:
            shutil.rmtree(self.directory, ignore_errors=True)

    def at(self, offset):
        """Waits for the instant T+offset of the scenario's script (a planned action, not an event)."""
        time.sleep(max(0.0, self.anchor + offset - time.time()))

    def now(self):
        return time.time() - self.anchor

    # --- reading what happened ---
    def leaders(self):
        return [r for r in self.replicas if r.running() and r.leading() is not None]

    def sole_leader(self):
        leaders = self.leaders()
        return leaders[0] if len(leaders) == 1 else None

    def elections_after(self, moment):
        return sorted((event[0], replica, event) for replica in self.replicas for event in replica.elections()
                      if event[0] >= moment)

    def wait_new_leader(self, old, since, seconds):
        """The first replica other than `old` to log became_leader after `since`, and when."""
        def found():
            for when, replica, event in self.elections_after(since):
                if replica is not old and event[1] == "leader":
                    return replica, when
            return None
        return wait_until(found, seconds, f"a new leader after {old.identity}")

    def connections(self):
        return rig.irc_connections(self.observer.snapshot())

    def reminder_posts(self):
        """{(slot, channel): [(time, poster)]}: Slack posts by replica identity, IRC lines by connection."""
        posts = {(name, channel): [] for name in self.slots for channel in ("slack", "irc")}
        tokens = {rig.bot_token(r.identity): r.identity for r in self.replicas}
        for post in self.slack.posts():
            for name in self.slots:
                if post.get("channel") == rig.SLACK_CHANNEL and is_reminder(post.get("text") or "", name):
                    posts[(name, "slack")].append((post["at"], tokens.get(post.get("token"), "?")))
        for connection in self.connections():
            for when, text in connection.said:
                for name in self.slots:
                    if is_reminder(text, name):
                        posts[(name, "irc")].append((when, f"irc#{connection.index}:{connection.nicks[0]}"))
        return posts

    def wait_posted(self, names, seconds):
        def posted():
            posts = self.reminder_posts()
            return all(posts[(name, channel)] for name in names for channel in ("slack", "irc"))
        wait_until(posted, seconds, f"reminders {', '.join(names)} on Slack and IRC")

    # --- judging ---
    def check(self, condition, message):
        if not condition:
            self.violations.append(message)

    def count_reminders(self):
        duplicates = lost = 0
        for (name, channel), found in self.reminder_posts().items():
            if len(found) > 1:
                duplicates += len(found) - 1
                self.violations.append(f"slot {name} on {channel}: posted {len(found)} times by "
                                       f"{', '.join(who for _, who in found)}")
            elif not found:
                lost += 1
                self.violations.append(f"slot {name} on {channel}: never posted")
        self.figures["duplicates"] = duplicates
        self.figures["lost"] = lost

    def speaker_overlap(self):
        """Seconds during which two IRC connections had each spoken and the other spoke again: the voice
        may pass from one connection to the next, never back nor in parallel."""
        spans = [(c.said[0][0], c.said[-1][0], c) for c in self.connections() if c.said]
        overlap = 0.0
        for i, (start, end, first) in enumerate(spans):
            for other_start, other_end, second in spans[i + 1:]:
                shared = min(end, other_end) - max(start, other_start)
                if shared >= 0:
                    overlap += shared
                    self.violations.append(f"IRC: connections {first.nicks} and {second.nicks} both spoke "
                                           f"within {shared:.3f} s of each other's turn")
        self.figures["irc_overlap_s"] = overlap

    def finish(self):
        if self.observer.error:
            self.violations.append(f"the IRC observer lost the server: {self.observer.error}")
        self.count_reminders()
        self.speaker_overlap()
        return self.figures, self.violations

    def log_tail(self, lines=15):
        out = []
        for replica in self.replicas:
            out.append(f"--- {replica.identity} (last {lines} lines)")
            out += replica.lines()[-lines:]
        return "\n".join(out)


def is_reminder(text, name):
    return "Reminder" in text and re.search(rf"\b{re.escape(slot_title(name))}\b", text) is not None

