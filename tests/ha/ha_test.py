#!/usr/bin/env python3
"""katabot's HA targets (issue 12), measured from outside on loopback: a real 3-member etcd, ircd-hybrid,
the fake Slack and 3 katabot replicas with coordination.backend etcd, played through scenarios S1–S9 of
shared/design/ha.md §6 (tests/ha/scenarios.py). Builds nothing: pass the binaries of a build.

  python3 tests/ha/ha_test.py --katabot build/default/katabot \\
      --fake-slack build/default/tests/integration/slack/fake_slack_server --runs 3

Prints per scenario, over the runs: each figure's p50 and max (failover = the signal → the new leader's
"is the leader" log line; kill_to_*_post = the kill → the reminder seen on that channel), duplicates and
lost reminders per (slot, channel), the IRC speaker overlap, and every missed target. Exit 1 when any
target is missed or a wait ran past its deadline, 0 otherwise.
"""
import argparse
import signal
import statistics
import sys

import run as run_module
import scenarios
from rig import Failure


def play(args, name):
    function, slots, _ = scenarios.SCENARIOS[name]
    run = run_module.Run(args, slots(args.ttl))
    try:
        run.start()
        function(run)
        return run.finish()
    except Failure as failure:
        figures, violations = run.figures, run.violations
        violations.append(f"{failure} (at T{run.now():+.1f} s)" if run.anchor else str(failure))
        print(run.log_tail(), file=sys.stderr)
        return figures, violations
    finally:
        run.close()


def summary(name, results):
    keys = sorted({key for figures, _ in results for key in figures if isinstance(figures[key], (int, float))})
    parts = []
    for key in keys:
        values = [figures[key] for figures, _ in results if key in figures]
        if key in ("duplicates", "lost", "resumed_posts"):
            parts.append(f"{key} {sum(values)}")
        else:
            parts.append(f"{key} p50 {statistics.median(values):.2f} max {max(values):.2f}")
    missed = sum(len(violations) for _, violations in results)
    return f"{name} ({len(results)} runs): " + ", ".join(parts) + f"; missed targets {missed}"


def main():
    # A SIGTERM (ctest, a terminal closing) unwinds through each run's close(): nothing is left behind.
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(1))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--katabot", required=True, help="the katabot binary")
    parser.add_argument("--fake-slack", required=True, help="tests/integration/slack's fake_slack_server binary")
    parser.add_argument("--runs", type=int, default=1, help="runs of each scenario, each on a fresh rig")
    parser.add_argument("--scenarios", default=",".join(scenarios.SCENARIOS), help="comma-separated, e.g. S1,S6")
    parser.add_argument("--ttl", type=int, default=10, help="coordination.lease_ttl in seconds (issue: 10)")
    parser.add_argument("--replicas", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep each run's directory (logs, configs)")
    args = parser.parse_args()
    chosen = [name.strip().upper() for name in args.scenarios.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in scenarios.SCENARIOS]
    if unknown or args.runs < 1 or args.replicas < 2 or args.ttl < 2:
        parser.error(f"unknown scenarios {unknown}" if unknown else "--runs ≥ 1, --replicas ≥ 2, --ttl ≥ 2")
    lines, failed = [], False
    for name in chosen:
        print(f"{name}: {scenarios.SCENARIOS[name][2]}", flush=True)
        results = []
        for index in range(args.runs):
            figures, violations = play(args, name)
            results.append((figures, violations))
            shown = ", ".join(f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}" for k, v in sorted(figures.items()))
            print(f"  run {index + 1}: {shown}", flush=True)
            for violation in violations:
                print(f"  MISSED: {violation}", flush=True)
            failed = failed or bool(violations)
        lines.append(summary(name, results))
    print("\n".join(["", f"summary (lease_ttl {args.ttl} s, {args.replicas} replicas, 3 etcd members):"] + lines))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
