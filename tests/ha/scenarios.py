"""Scenarios S1–S9 of shared/design/ha.md §6, each a script against the anchor T of a fresh rig
(run.Run). A scenario acts (signals to its own children), waits for what must follow with a deadline,
records its figures and adds a violation for each target the issue sets that it misses.

Targets (issue 12, TTL = --ttl): kill → new leader ≤ TTL+1 s, kill + etcd leader → ≤ TTL+4 s,
SIGTERM → takeover ≤ 1.5 s; no duplicate and no lost reminder per (slot, channel); IRC voice never
shared; a resumed paused leader posts nothing.
"""
import signal
import subprocess
import time

import rig
from rig import Failure, wait_until

SCENARIOS = {}


def scenario(name, slots, summary):
    """slots(ttl) → {slot name: seconds after T when its reminder falls due}"""
    def register(function):
        SCENARIOS[name] = (function, slots, summary)
        return function
    return register


def takeover(run, old, acted_at, seconds=None):
    """Waits for another replica to lead after `old` was acted on at `acted_at`; the new leader."""
    new, when = run.wait_new_leader(old, acted_at, seconds or 2 * run.ttl + 10)
    run.figures["failover_s"] = when - acted_at
    return new


def settle(seconds=3):
    """What a replica would still do wrongly (a re-post after catch-up) shows within seconds of the last
    expected event: the rig watches that long before it counts."""
    time.sleep(seconds)


def no_leader_change(run, since):
    changes = [f"{replica.identity} {event[1]} (epoch {event[2]})" for _, replica, event in run.elections_after(since)]
    run.check(not changes, f"the leadership changed: {', '.join(changes)}")


def posted_only_by(run, name, identity):
    posts = run.reminder_posts()[(name, "slack")]
    run.check(all(who == identity for _, who in posts),
              f"slot {name} on Slack posted by {[who for _, who in posts]}, expected {identity}")


def kill_to_post(run, name, killed_at, target):
    """Seconds from the kill to the reminder on each channel; a violation past `target`."""
    posts = run.reminder_posts()
    for channel in ("slack", "irc"):
        if posts[(name, channel)]:
            seconds = posts[(name, channel)][0][0] - killed_at
            run.figures[f"kill_to_{channel}_post_s"] = seconds
            run.check(seconds <= target, f"{channel}: the new leader posted {seconds:.2f} s after the kill "
                                         f"(target ≤ {target} s)")


@scenario("S1", lambda ttl: {"A": 3}, "reminder posted, then the leader SIGKILLed: no re-post")
def s1(run):
    leader = run.sole_leader()
    run.wait_posted(["A"], 10)
    killed = time.time()
    leader.signal(signal.SIGKILL)
    new = takeover(run, leader, killed)
    run.check(run.figures["failover_s"] <= run.ttl + 1, f"failover {run.figures['failover_s']:.2f} s > {run.ttl + 1} s")
    settle()
    posted_only_by(run, "A", leader.identity)
    run.figures["new_leader"] = new.identity


def leader_killed_before_due(run, etcd_leader_too, target):
    leader = run.sole_leader()
    run.at(5)
    raft_leader = run.etcd.raft_leader() if etcd_leader_too else None
    killed = time.time()
    leader.signal(signal.SIGKILL)
    if etcd_leader_too:
        run.etcd.kill(raft_leader)
    new = takeover(run, leader, killed)
    run.check(run.figures["failover_s"] <= target, f"failover {run.figures['failover_s']:.2f} s > {target} s")
    run.wait_posted(["A"], 15)
    kill_to_post(run, "A", killed, target)
    settle()
    posted_only_by(run, "A", new.identity)


@scenario("S2", lambda ttl: {"A": 7}, "leader SIGKILLed 2 s before a reminder: the new leader posts it once")
def s2(run):
    leader_killed_before_due(run, False, run.ttl + 1)


@scenario("S3", lambda ttl: {"A": 7}, "as S2, and the etcd raft leader SIGKILLed at the same moment")
def s3(run):
    leader_killed_before_due(run, True, run.ttl + 4)


@scenario("S4", lambda ttl: {"A": 6}, "a follower SIGKILLed: no leader change")
def s4(run):
    leader = run.sole_leader()
    follower = next(r for r in run.replicas if r is not leader)
    run.at(2)
    since = time.time()
    follower.signal(signal.SIGKILL)
    run.wait_posted(["A"], 10)
    run.at(2 + run.ttl + 3)  # past the killed follower's lease: its expiry must not disturb the leader
    no_leader_change(run, since)
    posted_only_by(run, "A", leader.identity)


@scenario("S5", lambda ttl: {"A": 6}, "a non-leader etcd member SIGKILLed: no leader change")
def s5(run):
    leader = run.sole_leader()
    raft_leader = run.etcd.raft_leader()
    member = next(i for i in range(len(run.etcd.members)) if i != raft_leader)
    run.at(2)
    since = time.time()
    run.etcd.kill(member)
    run.wait_posted(["A"], 10)
    run.at(2 + run.ttl + 3)
    no_leader_change(run, since)
    posted_only_by(run, "A", leader.identity)


def said_after(run, replica_joined_before, moment):
    """IRC lines after `moment` from connections that joined before `replica_joined_before`."""
    return [(c.nicks, text) for c in run.connections() if c.joined < replica_joined_before
            for when, text in c.said if when >= moment]


def pause_leader_until_posted(run):
    """SIGSTOPs the leader at T+2 (its IRC connection stays open) and waits for another replica to lead
    and for slot A: (the paused replica, when it was stopped, the new leader)."""
    paused = run.sole_leader()
    run.at(2)
    stopped = time.time()
    paused.signal(signal.SIGSTOP)
    new = takeover(run, paused, stopped)
    run.wait_posted(["A"], 15)
    return paused, stopped, new


@scenario("S6", lambda ttl: {"A": 2 + ttl // 2},
          "leader SIGSTOPped for 2×TTL, a reminder due in the pause, then SIGCONT: it posts nothing")
def s6(run):
    paused, stopped, new = pause_leader_until_posted(run)
    run.at(2 + 2 * run.ttl)
    resumed = time.time()
    paused.signal(signal.SIGCONT)

    def stepped_down():
        return any(event[1] == "stopped" and event[0] >= resumed - 1 for event in paused.elections())
    try:
        wait_until(stepped_down, 5, f"{paused.identity} logging that it stopped leading")
    except Failure as failure:
        run.violations.append(str(failure))
    settle()
    slack_after = [p for p in run.slack.posts()
                   if p["at"] >= resumed and p.get("token") == rig.bot_token(paused.identity)]
    irc_after = said_after(run, stopped, resumed)
    run.figures["resumed_posts"] = len(slack_after) + len(irc_after)
    run.check(not slack_after, f"{paused.identity} posted on Slack after it resumed: {slack_after}")
    run.check(not irc_after, f"{paused.identity} spoke on IRC after it resumed: {irc_after}")
    posted_only_by(run, "A", new.identity)


@scenario("S7", lambda ttl: {"A": 6, "B": 2 + ttl + 2},
          "2 of 3 etcd members stopped for 2×TTL: nobody posts; after quorum a leader within TTL+1 s and the missed "
          "reminders posted once")
def s7(run):
    leader = run.sole_leader()
    raft_leader = run.etcd.raft_leader()
    stopped_members = [raft_leader, next(i for i in range(len(run.etcd.members)) if i != raft_leader)]
    run.at(2)
    outage = time.time()
    for member in stopped_members:
        run.etcd.signal(member, signal.SIGSTOP)
    run.at(2 + 2 * run.ttl)
    quorum_back = time.time()
    for member in stopped_members:
        run.etcd.signal(member, signal.SIGCONT)
    stepped = [event for event in leader.elections() if event[1] == "stopped" and event[0] >= outage]
    run.check(stepped, f"{leader.identity} never stopped leading while etcd had no quorum")
    if stepped:
        run.figures["outage_to_step_down_s"] = stepped[0][0] - outage
        run.check(stepped[0][0] - outage <= run.ttl, f"{leader.identity} stopped leading "
                  f"{stepped[0][0] - outage:.2f} s into the outage (target ≤ TTL = {run.ttl} s)")
    slack = [(p["at"], p.get("token")) for p in run.slack.posts() if outage <= p["at"] < quorum_back]
    irc = [(when, c.nicks) for c in run.connections() for when, _ in c.said if outage <= when < quorum_back]
    run.check(not slack and not irc, f"spoke while etcd had no quorum: Slack {slack}, IRC {irc}")

    def any_leader():
        return next(((r, e[0]) for r in run.replicas for e in r.elections()
                     if e[1] == "leader" and e[0] >= quorum_back), None)
    found = wait_until(any_leader, run.ttl + 10, "a leader after quorum returned")
    run.figures["quorum_to_leader_s"] = found[1] - quorum_back
    run.check(found[1] - quorum_back <= run.ttl + 1,
              f"a leader {found[1] - quorum_back:.2f} s after quorum returned (target ≤ TTL+1 = {run.ttl + 1} s)")
    run.wait_posted(["A", "B"], 15)
    settle()


@scenario("S8", lambda ttl: {"A": 5}, "leader SIGTERMed: takeover ≤ 1.5 s, it exits 0 within 2 s")
def s8(run):
    leader = run.sole_leader()
    run.at(2)
    terminated = time.time()
    leader.signal(signal.SIGTERM)
    new = takeover(run, leader, terminated, seconds=run.ttl + 5)
    run.check(run.figures["failover_s"] <= 1.5, f"takeover {run.figures['failover_s']:.2f} s after SIGTERM > 1.5 s")
    try:
        status = leader.process.wait(timeout=max(0.0, terminated + 2 - time.time()))
        run.check(status == 0, f"{leader.identity} exited {status} after SIGTERM")
    except subprocess.TimeoutExpired:
        run.violations.append(f"{leader.identity} still running 2 s after SIGTERM")
    run.wait_posted(["A"], 10)
    settle()
    posted_only_by(run, "A", new.identity)


@scenario("S9", lambda ttl: {"A": 2 + ttl + 4},
          "IRC stale session: the SIGSTOPped leader keeps its nick; the new leader speaks under an alternate nick")
def s9(run):
    _, stopped, new = pause_leader_until_posted(run)
    settle()
    connections = run.connections()
    held = [c for c in connections if c.joined < stopped and c.left is None and c.nicks[-1] == "katabot"]
    speakers = [c for c in connections if any(text for _, text in c.said)]
    run.check(held, "the paused leader's IRC connection did not keep the nick katabot (the stale session is gone)")
    run.check(len(speakers) == 1 and speakers[0].joined > stopped and speakers[0].nicks[0] != "katabot",
              f"expected one speaker, the new leader under an alternate nick; got {[c.nicks for c in speakers]}")
    if speakers and speakers[0].joined > stopped:
        run.figures["takeover_to_irc_join_s"] = speakers[0].joined - (stopped + run.figures["failover_s"])
    posted_only_by(run, "A", new.identity)
