"""The processes of the HA rig, all on loopback: a 3-member etcd, ircd-hybrid, the fake Slack, the
katabot replicas and an IRC observer in the reminder channel. Every process is a child of the rig and
only those get signals; close() kills whatever is left.

What the rig observes from outside: the observer's timestamped PRIVMSG/NOTICE/JOIN/NICK/QUIT/PART
lines, the fake Slack's chat.postMessage calls (each replica posts with its own bot token), and the
replicas' election log lines.
"""
import ctypes
import datetime
import json
import os
import pathlib
import re
import selectors
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

SOURCE_DIR = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(SOURCE_DIR / "tests" / "bench"))
import e2e  # noqa: E402  (free_port, wait_until, Failure, ircd-hybrid, IRC member, fake Slack client)

ETCD = "/usr/bin/etcd"
IRC_CHANNEL = "#kata-ha"
SLACK_CHANNEL = "C0HA"
BOT_NICK = "katabot"
APP_TOKEN = "xapp-1-A1-1-hatest"
Failure = e2e.Failure
free_port = e2e.free_port
wait_until = e2e.wait_until


def bot_token(identity):
    return f"xoxb-1-2-{identity}"


LIBC = ctypes.CDLL(None)  # loaded here: the child of a threaded parent must not dlopen
PR_SET_PDEATHSIG = 1


def die_with_parent():
    """In the child before exec: SIGKILL when the rig dies, even by SIGKILL (a ctest timeout), so that
    no etcd member or replica outlives it."""
    LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class Children:
    """The processes the rig started; signals go to these only, and only while they run."""

    def __init__(self):
        self.processes = []

    def start(self, argv, log_path):
        with open(log_path, "w") as log:
            process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
        self.processes.append(process)
        return process

    def adopt(self, process):
        self.processes.append(process)
        return process

    def signal(self, process, number):
        if process in self.processes and process.poll() is None:
            process.send_signal(number)

    def close(self):
        for process in reversed(self.processes):
            if process.poll() is None:
                process.kill()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass  # a child in uninterruptible sleep; nothing more the rig may do
        self.processes.clear()


def http_post_json(port, path, body, timeout=1.0):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())
    except (OSError, ValueError, urllib.error.HTTPError):
        return None


class EtcdCluster:
    """As tests/integration/etcd/etcd_cluster.cpp: members on free loopback ports, one data dir each, so
    that a killed member restarts with the same flags and rejoins."""

    def __init__(self, children, directory, members=3):
        if not os.access(ETCD, os.X_OK):
            raise Failure(f"{ETCD} is missing: apt-get install etcd-server etcd-client")
        self.children = children
        self.directory = directory
        self.members = [{"name": f"n{i + 1}", "client": free_port(), "peer": free_port(), "process": None}
                        for i in range(members)]
        self.initial_cluster = ",".join(f"{m['name']}=http://127.0.0.1:{m['peer']}" for m in self.members)
        for index in range(members):
            self.start(index)

    def start(self, index):
        member = self.members[index]
        client, peer = f"http://127.0.0.1:{member['client']}", f"http://127.0.0.1:{member['peer']}"
        name = member["name"]
        argv = [ETCD, "--name", name, "--data-dir", str(self.directory / f"{name}.etcd"),
                "--listen-client-urls", client, "--advertise-client-urls", client, "--listen-peer-urls", peer,
                "--initial-advertise-peer-urls", peer, "--initial-cluster", self.initial_cluster,
                "--initial-cluster-state", "new", "--initial-cluster-token", "katabot-ha",
                "--logger", "zap", "--log-outputs", str(self.directory / f"{name}.log")]
        member["process"] = self.children.start(argv, self.directory / f"{name}.out")

    def endpoints(self):
        return [f"http://127.0.0.1:{m['client']}" for m in self.members]

    def running(self, index):
        process = self.members[index]["process"]
        return process is not None and process.poll() is None

    def wait_healthy(self, seconds):
        def healthy():
            # A linearizable read answers only with a quorum behind it.
            return all(http_post_json(m["client"], "/v3/kv/range", {"key": "aGVhbHRo"}) is not None
                       for i, m in enumerate(self.members) if self.running(i))
        wait_until(healthy, seconds, "etcd cluster healthy")

    def raft_leader(self, seconds=10):
        def find():
            for index, member in enumerate(self.members):
                if not self.running(index):
                    continue
                status = http_post_json(member["client"], "/v3/maintenance/status", {})
                if status and status.get("leader") and status["leader"] == status.get("header", {}).get("member_id"):
                    return index + 1  # 1-based so that member 0 is truthy
            return None
        return wait_until(find, seconds, "an etcd raft leader") - 1

    def signal(self, index, number):
        self.children.signal(self.members[index]["process"], number)

    def kill(self, index):
        process = self.members[index]["process"]
        self.signal(index, signal.SIGKILL)
        process.wait(timeout=10)


LOG_TIME = re.compile(r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3})\]")
# bot/coordination/elector.cpp
BECAME_LEADER = re.compile(r"coordination: (\S+) is the leader, epoch (\d+)")
STOPPED_LEADING = re.compile(r"coordination: (\S+) stopped leading \(epoch (\d+)\): (\S+)")


def log_seconds(line):
    """spdlog's default pattern stamps local time with milliseconds."""
    match = LOG_TIME.match(line)
    if not match:
        return None
    return datetime.datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S.%f").timestamp()


class Replica:
    def __init__(self, children, directory, katabot, identity, config_text):
        self.children = children
        self.identity = identity
        self.katabot = katabot
        self.directory = directory / identity
        self.directory.mkdir()
        self.config = self.directory / "katabot.yaml"
        self.config.write_text(config_text)
        self.log = self.directory / "katabot.log"
        self.process = None

    def start(self):
        self.process = self.children.start([self.katabot, "--config", str(self.config)], self.log)

    def signal(self, number):
        self.children.signal(self.process, number)

    def running(self):
        return self.process.poll() is None

    def lines(self):
        return self.log.read_text(errors="replace").splitlines() if self.log.exists() else []

    def elections(self):
        """[(time, "leader"|"stopped", epoch, reason)] from the log, oldest first."""
        found = []
        for line in self.lines():
            if (match := BECAME_LEADER.search(line)) and match.group(1) == self.identity:
                found.append((log_seconds(line), "leader", int(match.group(2)), ""))
            elif (match := STOPPED_LEADING.search(line)) and match.group(1) == self.identity:
                found.append((log_seconds(line), "stopped", int(match.group(2)), match.group(3)))
        return found

    def leading(self):
        """The epoch it leads according to its log, or None."""
        events = self.elections()
        return events[-1][2] if events and events[-1][1] == "leader" else None


def replica_config(identity, knowledge, irc_port, api_base, endpoints, ttl, state_dir):
    listed = ", ".join(endpoints)
    return f"""bot:
  name: {BOT_NICK}
  knowledge_dir: {knowledge}
  state_dir: {state_dir}
  log_level: info
slack:
  enabled: true
  app_token: {APP_TOKEN}
  bot_token: {bot_token(identity)}
  api_base: {api_base}
  command: /kata
  reminder_channels: [{SLACK_CHANNEL}]
irc:
  enabled: true
  host: 127.0.0.1
  port: {irc_port}
  tls: false
  nick: {BOT_NICK}
  alt_nicks: [{BOT_NICK}_, {BOT_NICK}__]
  channels: ["{IRC_CHANNEL}"]
  reminder_channels: ["{IRC_CHANNEL}"]
http:
  listen: ""
coordination:
  backend: etcd
  identity: {identity}
  lease_ttl: {ttl}s
  retry_period: 1s
  safety_margin: 1s
  request_timeout: {max(1, ttl // 5)}s
  etcd:
    endpoints: [{listed}]
"""


IRC_LINE = re.compile(r"^:(?P<nick>[^!\s]+)(?:!\S+)? (?P<command>\S+)(?: (?P<rest>.*))?$")


class IrcObserver:
    """A plain member of the reminder channel on its own thread: every line it sees, with the time it
    arrived (wall clock, as the logs and the fake Slack)."""

    def __init__(self, port):
        self.member = e2e.Member(port, "haobserver")
        self.events = []  # (time, command, nick, text): PRIVMSG/NOTICE text, NICK new nick
        self.joined = threading.Event()
        self.error = None
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()
        if not self.joined.wait(10):
            raise Failure(f"IRC observer: not in {IRC_CHANNEL} within 10 s ({self.error})")

    def run(self):
        try:
            with selectors.DefaultSelector() as selector:
                selector.register(self.member.socket, selectors.EVENT_READ)
                while not self.stopping.is_set():
                    selector.select(0.05)
                    self.member.read_available()
                    arrived = time.time()
                    lines, self.member.lines = self.member.lines, []
                    for line in lines:
                        self.record(arrived, line)
        except (Failure, OSError) as error:
            self.error = error

    def record(self, arrived, line):
        if re.match(r"^:\S+ 001 ", line):
            self.member.send(f"JOIN {IRC_CHANNEL}\r\n")
        elif re.match(rf"^:\S+ 366 \S+ {re.escape(IRC_CHANNEL)} ", line):
            self.joined.set()
        match = IRC_LINE.match(line)
        if not match or match.group("command") not in ("PRIVMSG", "NOTICE", "JOIN", "NICK", "QUIT", "PART"):
            return
        rest = match.group("rest") or ""
        text = rest.split(" :", 1)[1] if " :" in rest else rest.lstrip(":")
        with self.lock:
            self.events.append((arrived, match.group("command"), match.group("nick"), text))

    def snapshot(self):
        with self.lock:
            return list(self.events)

    def close(self):
        self.stopping.set()
        self.thread.join(timeout=5)
        self.member.socket.close()


class IrcConnection:
    """One bot connection as the channel saw it: from its JOIN to its QUIT or PART, under its nicks."""

    def __init__(self, index, nick, joined):
        self.index = index
        self.nicks = [nick]
        self.joined = joined
        self.left = None
        self.said = []  # (time, text)


def irc_connections(events):
    """Bot connections from the observer's lines. The server keeps nicks unique, so at any moment a nick
    names at most one connection: JOIN opens one, NICK renames it, QUIT/PART closes it."""
    connections, by_nick = [], {}
    for arrived, command, nick, text in events:
        if not nick.startswith(BOT_NICK):
            continue
        if command == "JOIN" and nick not in by_nick:
            by_nick[nick] = IrcConnection(len(connections), nick, arrived)
            connections.append(by_nick[nick])
        elif command == "NICK" and nick in by_nick:
            connection = by_nick.pop(nick)
            connection.nicks.append(text)
            by_nick[text] = connection
        elif command in ("QUIT", "PART") and nick in by_nick:
            by_nick.pop(nick).left = arrived
        elif command in ("PRIVMSG", "NOTICE"):
            if nick not in by_nick:  # spoke without a JOIN the observer saw
                by_nick[nick] = IrcConnection(len(connections), nick, arrived)
                connections.append(by_nick[nick])
            by_nick[nick].said.append((arrived, text))
    return connections


class FakeSlack(e2e.FakeSlack):
    def posts(self):
        self.ask("posts")
        count = int(self.answer("posts "))
        return [json.loads(self.process.stdout.readline()) for _ in range(count)]

    def wait_connections(self, count, seconds):
        self.ask(f"wait_connections {count} {int(seconds * 1000)}")
        return int(self.answer("connections "))


def start_ircd(children, directory, port):
    """The e2e bench's ircd-hybrid: ping_time 90 s, so a paused client keeps its nick that long."""
    hybrid_dir = directory / "hybrid"
    hybrid_dir.mkdir()
    process = e2e.start_hybrid(hybrid_dir, port)
    return children.adopt(process)


def make_knowledge(directory, meetings_yaml):
    knowledge = directory / "knowledge"
    knowledge.mkdir()
    # synonyms.yaml names the shipped meetings, which the rig replaces: it goes without.
    shutil.copy(SOURCE_DIR / "knowledge" / "topics.yaml", knowledge / "topics.yaml")
    (knowledge / "meetings.yaml").write_text(meetings_yaml)
    return knowledge
