#!/usr/bin/env python3
"""The real katabot binary against a real ircd-hybrid and the fake Slack, on loopback, measured.

Prints: start-to-connected time (process start to /readyz 200 with both adapters), IRC reply
latency p50/p99 (a member sends !conduct, until the bot's PRIVMSG reaches it), Slack ack latency
p50/p99 (measured by the fake Slack: envelope queued to ack frame read), and the bot's RSS after
start and after a mixed load of IRC commands and Slack envelopes.

Builds nothing: pass the binaries of a build.
  python3 tests/bench/e2e.py --katabot build/default/katabot --bot-cpu 1 \
      --fake-slack build/default/tests/integration/slack/fake_slack_server
--short is the ctest mode (a few commands, under 30 s). It fails (exit 1) when a command goes
unanswered, an envelope unacknowledged or a wait runs past its deadline; never on timings.

The bot paces its IRC output as OFTC needs (a burst of 4 lines, then one every 1.5 s): commands
are sent --irc-interval apart so that the latency is the bot's, not its pacing queue's.
"""
import argparse
import os
import pathlib
import re
import selectors
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

SOURCE_DIR = pathlib.Path(__file__).resolve().parents[2]
CHANNEL = "#kata-dev"
APP_TOKEN = "xapp-1-A1-1-e2ebenchapp"
BOT_TOKEN = "xoxb-1-2-e2ebenchbot"


class Failure(Exception):
    pass


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(predicate, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.005)
    raise Failure(f"{what}: nothing within {seconds} s")


def percentile(values, p):
    ordered = sorted(values)
    return ordered[int(p * (len(ordered) - 1))] if ordered else float("nan")


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise Failure(f"no VmRSS for process {pid}")


def memory_map(pid):
    """RSS and PSS in kB per mapped file (the binary, each library), [heap], [stack] and anonymous
    memory, from /proc/<pid>/smaps: where the resident set is, and how much of it is shared."""
    parts = {}
    name = None
    with open(f"/proc/{pid}/smaps") as smaps:
        for line in smaps:
            fields = line.split()
            if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                name = os.path.basename(fields[5]) if len(fields) > 5 else "anonymous"
            elif fields[0] in ("Rss:", "Pss:"):
                rss, pss = parts.get(name, (0, 0))
                parts[name] = (rss + int(fields[1]), pss) if fields[0] == "Rss:" else (rss, pss + int(fields[1]))
    return parts


def print_memory_map(title, parts):
    total_rss = sum(rss for rss, _ in parts.values())
    total_pss = sum(pss for _, pss in parts.values())
    print(f"{title}: RSS {total_rss / 1024:.1f} MB, PSS {total_pss / 1024:.1f} MB")
    for name, (rss, pss) in sorted(parts.items(), key=lambda item: -item[1][0]):
        if rss >= 64:
            print(f"  {rss / 1024:6.2f} MB RSS {pss / 1024:6.2f} MB PSS  {name}")


def run_as_irc_user(argv):
    """ircd-hybrid refuses to run as root."""
    if os.geteuid() != 0:
        return argv
    return ["setpriv", "--reuid=irc", "--regid=irc", "--clear-groups", "--"] + argv


def start_hybrid(directory, port):
    """The integration fixture's ircd-hybrid (tests/integration/irc/irc_fixture.cpp) with per-target
    flood counting off and can_flood for everyone: the load comes from a few members, and the
    figures are the bot's (which paces itself as on OFTC), not the server's throttling."""
    config = directory / "ircd.conf"
    config.write_text(f"""serverinfo {{
  name = "irc.test.local"; sid = "0KB"; description = "katabot bench"; network_name = "katatest";
  hub = no; default_max_clients = 64; max_nick_length = 30; max_topic_length = 300;
}};
admin {{ name = "bench"; description = "bench"; email = "<t@localhost>"; }};
class {{
  name = "users"; ping_time = 90 seconds; number_per_ip_local = 50; number_per_ip_global = 50;
  max_number = 100; sendq = 1 megabyte; recvq = 8000 bytes;
}};
listen {{ host = "127.0.0.1"; port = {port}; }};
auth {{ user = "*@*"; class = "users"; flags = can_flood; }};
channel {{ max_channels = 25; default_join_flood_count = 100; default_join_flood_time = 1 second; }};
general {{
  disable_auth = yes; default_floodcount = 0; default_floodtime = 1 second;
  throttle_count = 100; throttle_time = 0;
}};
modules {{ path = "/usr/lib/ircd-hybrid/modules"; path = "/usr/lib/ircd-hybrid/modules/autoload"; }};
""")
    if os.geteuid() == 0:
        shutil.chown(directory, "irc", "irc")
        for entry in directory.iterdir():
            shutil.chown(entry, "irc", "irc")
    names = {flag: str(directory / name) for flag, name in [
        ("-pidfile", "ircd.pid"), ("-logfile", "ircd.log"), ("-klinefile", "k.db"), ("-dlinefile", "d.db"),
        ("-xlinefile", "x.db"), ("-resvfile", "r.db")]}
    argv = ["/usr/sbin/ircd-hybrid", "-foreground", "-configfile", str(config)]
    for flag, path in names.items():
        argv += [flag, path]
    output = open(directory / "output.txt", "w")
    process = subprocess.Popen(run_as_irc_user(argv), stdout=output, stderr=subprocess.STDOUT)

    def listening():
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            return False

    wait_until(listening, 10, "ircd-hybrid listening")
    return process


class Member:
    """A channel member on its own connection; lines are read without blocking (the selector)."""

    def __init__(self, port, nick):
        self.nick = nick
        self.socket = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.socket.setblocking(False)
        self.buffer = b""
        self.lines = []
        self.send(f"NICK {nick}\r\nUSER bench 0 * :bench\r\n")

    def send(self, text):
        data = text.encode()
        deadline = time.monotonic() + 5
        while data:
            try:
                data = data[self.socket.send(data):]
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise Failure(f"{self.nick}: the server did not take our bytes within 5 s")
                select_writable(self.socket)

    def read_available(self):
        while True:
            try:
                chunk = self.socket.recv(65536)
            except BlockingIOError:
                return
            if not chunk:
                raise Failure(f"{self.nick}: the server closed the connection")
            self.buffer += chunk
            *complete, self.buffer = self.buffer.split(b"\r\n")
            for line in complete:
                text = line.decode(errors="replace")
                if text.startswith("PING "):
                    self.send("PONG " + text[5:] + "\r\n")
                self.lines.append(text)


def select_writable(sock):
    with selectors.DefaultSelector() as selector:
        selector.register(sock, selectors.EVENT_WRITE)
        selector.select(0.05)


class Members:
    def __init__(self, port, count):
        self.selector = selectors.DefaultSelector()
        self.members = [Member(port, f"bench{i}") for i in range(count)]
        for member in self.members:
            self.selector.register(member.socket, selectors.EVENT_READ, member)

    def pump(self, timeout):
        for key, _ in self.selector.select(timeout):
            key.data.read_available()

    def wait_line(self, member, pattern, seconds):
        """The first line of `member` matching `pattern` (a compiled regex); the lines before go."""
        deadline = time.monotonic() + seconds
        while True:
            for index, line in enumerate(member.lines):
                if pattern.search(line):
                    del member.lines[:index + 1]
                    return line
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Failure(f"{member.nick}: no line matching {pattern.pattern!r} within {seconds} s")
            self.pump(remaining)

    def join(self):
        welcome = re.compile(r"^:\S+ 001 ")
        for member in self.members:
            self.wait_line(member, welcome, 10)
            member.send(f"JOIN {CHANNEL}\r\n")
        joined = re.compile(rf"^:\S+ 366 \S+ {re.escape(CHANNEL)} ")
        for member in self.members:
            self.wait_line(member, joined, 10)

    def drain(self):
        self.pump(0)
        for member in self.members:
            member.lines.clear()


class FakeSlack:
    def __init__(self, program):
        self.process = subprocess.Popen([program], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.api_base = self.answer("api_base ")

    def ask(self, command):
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()

    def answer(self, prefix):
        # Every command the fake runs has its own deadline, so this read ends.
        line = self.process.stdout.readline().strip()
        if not line.startswith(prefix):
            raise Failure(f"fake Slack: expected {prefix.strip()!r}, got {line!r}")
        return line[len(prefix):]


def http_get(port, path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except OSError:
        return None, ""


def counter(exposition, series):
    match = re.search(rf"^{re.escape(series)} (\S+)$", exposition, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def write_config(directory, irc_port, http_port, api_base):
    config = directory / "katabot.yaml"
    config.write_text(f"""bot:
  name: katabot
  knowledge_dir: {SOURCE_DIR / "knowledge"}
  state_dir: {directory / "state"}
  log_level: warn
slack:
  enabled: true
  app_token: ${{SLACK_APP_TOKEN}}
  bot_token: ${{SLACK_BOT_TOKEN}}
  api_base: {api_base}
  command: /kata
irc:
  enabled: true
  host: 127.0.0.1
  port: {irc_port}
  tls: false
  nick: katabot
  channels: ["{CHANNEL}"]
http:
  listen: 127.0.0.1:{http_port}
""")
    return config


def mixed_load(args, step, members, slack, http_port):
    """Slack envelopes all at once while the members send IRC commands; returns when the bot has
    acknowledged every envelope and routed every IRC line. How many of each this step sent."""
    commands = args.load // args.load_steps
    irc_load = commands // 2
    slack_load = commands - irc_load
    slack.ask(f"flood {slack_load} 60000")
    _, metrics = http_get(http_port, "/metrics")
    irc_before = counter(metrics, 'katabot_messages_in_total{platform="irc"}')
    for i in range(irc_load):
        members.members[i % len(members.members)].send(f"PRIVMSG {CHANNEL} :!conduct\r\n")
        if i % 100 == 0:
            members.drain()
    acked, lost = slack.answer("flood ").split()
    if int(lost):
        raise Failure(f"step {step + 1}: {lost} of {slack_load} flooded envelopes were not acknowledged within 60 s")

    def irc_load_routed():
        members.drain()
        _, text = http_get(http_port, "/metrics")
        return counter(text, 'katabot_messages_in_total{platform="irc"}') >= irc_before + irc_load

    wait_until(irc_load_routed, 60, f"step {step + 1}: the bot routing all {irc_load} IRC commands")
    return irc_load, slack_load


def measure(args, directory):
    figures = {}
    irc_port, http_port = free_port(), free_port()
    hybrid_dir = directory / "hybrid"
    hybrid_dir.mkdir()
    processes = [start_hybrid(hybrid_dir, irc_port)]
    try:
        slack = FakeSlack(args.fake_slack)
        processes.append(slack.process)
        config = write_config(directory, irc_port, http_port, slack.api_base)
        environment = dict(os.environ, SLACK_APP_TOKEN=APP_TOKEN, SLACK_BOT_TOKEN=BOT_TOKEN)
        log = open(directory / "katabot.log", "w")
        started = time.monotonic()
        pinned = ["taskset", "-c", args.bot_cpu] if args.bot_cpu else []  # taskset execs: the pid is the bot's
        bot = subprocess.Popen(pinned + [args.katabot, "--config", str(config)], stdout=log, stderr=subprocess.STDOUT,
                               env=environment)
        processes.append(bot)
        wait_until(lambda: http_get(http_port, "/readyz")[0] == 200, 30, "/readyz 200 (IRC and Slack connected)")
        figures["start_to_ready_ms"] = (time.monotonic() - started) * 1000
        figures["rss_after_start_kb"] = rss_kb(bot.pid)
        figures["map_after_start"] = memory_map(bot.pid)

        members = Members(irc_port, args.irc_members)
        members.join()
        bot_says = re.compile(rf"^:katabot!\S+ PRIVMSG {re.escape(CHANNEL)} :")
        latencies = []
        next_send = time.monotonic()
        for i in range(args.irc_commands):
            member = members.members[i % len(members.members)]
            members.drain()
            # Pacing the load generator, not waiting for an event: one command per interval keeps
            # the bot's output bucket from emptying.
            time.sleep(max(0.0, next_send - time.monotonic()))
            sent = time.monotonic()
            next_send = sent + args.irc_interval
            member.send(f"PRIVMSG {CHANNEL} :!conduct\r\n")
            members.wait_line(member, bot_says, 10)
            latencies.append((time.monotonic() - sent) * 1000)
        figures["irc_reply_ms"] = latencies

        slack.ask("wait_hello 5000")
        slack.answer("hello")
        slack.ask(f"acks {args.slack_envelopes} 2000")
        acked, lost, p50, p99, worst = slack.answer("acks ").split()
        if int(lost):
            raise Failure(f"{lost} of {args.slack_envelopes} envelopes were not acknowledged within 2 s")
        figures["slack_ack_us"] = (float(p50), float(p99), float(worst), int(acked))
        # The bot's own view (frame read to ack written, its last 1 024 acks): what it spent, apart
        # from the time slices the machine gave to others.
        _, metrics = http_get(http_port, "/metrics")
        figures["bot_ack_us"] = tuple(
            counter(metrics, f'katabot_slack_ack_latency_seconds{{quantile="{q}"}}') * 1e6 for q in ("0.5", "0.99"))

        # The mixed load, in steps with the RSS after each, so that growth shows and so does its end.
        figures["rss_after_load_kb"] = []
        for step in range(args.load_steps):
            irc_load, slack_load = mixed_load(args, step, members, slack, http_port)
            figures["rss_after_load_kb"].append((irc_load, slack_load, rss_kb(bot.pid)))
        figures["map_after_load"] = memory_map(bot.pid)
        return figures
    finally:
        # SIGTERM first, so that a bot run under a profiler (massif, heaptrack: a wrapper script as
        # --katabot) stops cleanly and writes its profile; the bot stops within 2 s.
        for process in reversed(processes):
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def report(args, figures):
    irc = figures["irc_reply_ms"]
    p50, p99, worst, acked = figures["slack_ack_us"]
    print(f"start to connected (/readyz 200, IRC + Slack): {figures['start_to_ready_ms']:.0f} ms")
    if irc:
        print(f"IRC reply latency over {len(irc)} !conduct ({args.irc_interval:g} s apart): "
              f"p50 {percentile(irc, 0.5):.2f} ms, p99 {percentile(irc, 0.99):.2f} ms, max {max(irc):.2f} ms")
    print(f"Slack ack latency over {acked} envelopes (fake Slack's clock): "
          f"p50 {p50 / 1000:.3f} ms, p99 {p99 / 1000:.3f} ms, max {worst / 1000:.3f} ms")
    bot_p50, bot_p99 = figures["bot_ack_us"]
    print(f"  inside the bot (/metrics, frame read to ack written): p50 {bot_p50 / 1000:.3f} ms, p99 {bot_p99 / 1000:.3f} ms")
    print(f"RSS after start: {figures['rss_after_start_kb'] / 1024:.1f} MB")
    irc_total = slack_total = 0
    for irc_load, slack_load, rss in figures["rss_after_load_kb"]:
        irc_total += irc_load
        slack_total += slack_load
        print(f"RSS after {irc_total + slack_total} commands ({irc_total} IRC, {slack_total} Slack): {rss / 1024:.1f} MB")
    if args.memory_map:
        print_memory_map("memory after start", figures["map_after_start"])
        print_memory_map("memory after the load", figures["map_after_load"])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--katabot", required=True, help="the katabot binary")
    parser.add_argument("--fake-slack", required=True, help="tests/integration/slack's fake_slack_server binary")
    parser.add_argument("--irc-commands", type=int, default=300)
    parser.add_argument("--irc-members", type=int, default=8, help="members taking turns (the per-user limit)")
    parser.add_argument("--irc-interval", type=float, default=1.6, help="seconds between IRC commands")
    parser.add_argument("--slack-envelopes", type=int, default=300)
    parser.add_argument("--load", type=int, default=10000, help="commands of the mixed load, half IRC, half Slack")
    parser.add_argument("--load-steps", type=int, default=4, help="RSS is read after each step of the load")
    parser.add_argument("--bot-cpu", help="run the bot alone on this CPU (taskset -c), the peers elsewhere")
    parser.add_argument("--memory-map", action="store_true", help="RSS and PSS per mapping (binary, libraries, heap)")
    parser.add_argument("--short", action="store_true", help="a quick run that only checks the script works")
    args = parser.parse_args()
    if args.short:
        args.irc_commands, args.slack_envelopes, args.load, args.load_steps = 8, 50, 400, 2
    with tempfile.TemporaryDirectory(prefix="katabot-e2e-") as name:
        directory = pathlib.Path(name)
        directory.chmod(0o755)  # ircd-hybrid runs as the irc user
        try:
            figures = measure(args, directory)
        except Failure as failure:
            print(f"e2e: {failure}", file=sys.stderr)
            log = directory / "katabot.log"
            if log.exists():
                print("katabot said (last lines):\n" + "".join(log.read_text().splitlines(True)[-30:]), file=sys.stderr)
            return 1
    report(args, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
