"""The app as a running system under load and faults (issue 8, resilience).

A real gunicorn server (production settings, several workers) runs against a database of its
own that this module prepares — a temporary SQLite file, or with DATABASE_URL a fresh
PostgreSQL database `jiefen_resilience_<pid>` dropped afterwards — not the pytest-django test
database, since the server is another process. Clients are threads here speaking HTTP.

- Load: 50 clients for 60 s (JIEFEN_RESILIENCE_SECONDS / JIEFEN_RESILIENCE_CLIENTS), about a
  third registering cases through the API, the rest reading lists, details and the dashboard:
  no 5xx, and every case acknowledged with 201 is in the database afterwards.
- SIGKILL: the whole gunicorn process group and a `run_worker` in the middle of a task are
  killed together under load and restarted; every 201 is in the database and the task runs
  again to completion. (The worker alone, killed mid-task against the test database, and the
  recovery rules are in test_scheduler_robustness.py; here it is the same recovery as part of a
  whole system losing power, on the production settings.)
- The database unavailable (PostgreSQL: connections forbidden and existing ones terminated):
  the Chinese 503 page and the API's JSON 503, then 200 again with no restart.

The production settings are used as they are, except static files: the manifest storage needs
`collectstatic`, which takes minutes here, so the server runs with plain static storage.
"""

import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from django_tasks import task

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).parent / "gunicorn")

SECONDS = float(os.environ.get("JIEFEN_RESILIENCE_SECONDS", "60"))
CLIENTS = int(os.environ.get("JIEFEN_RESILIENCE_CLIENTS", "50"))
KILL_SECONDS = float(os.environ.get("JIEFEN_RESILIENCE_KILL_SECONDS", "20"))
WORKERS = int(os.environ.get("JIEFEN_RESILIENCE_WORKERS", "3"))
THREADS = int(os.environ.get("JIEFEN_RESILIENCE_THREADS", "1"))
WRITE_SHARE = 0.3
PASSWORD = "resilience-pass-1"
POSTGRES = bool(os.environ.get("DATABASE_URL", "").strip())

pytestmark = pytest.mark.resilience

SETTINGS_MODULE = """\
from config.settings.production import *  # noqa: F403

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
"""


# ---------------------------------------------------------------- a task that takes its time


@task()
def slow_task(marker_dir: str, first_sleep: float) -> int:
    """Marks each attempt; the first sleeps long enough to be killed in the middle."""
    markers = Path(marker_dir)
    attempt = len(list(markers.glob("started-*"))) + 1
    (markers / f"started-{attempt}").write_text(str(os.getpid()))
    time.sleep(first_sleep if attempt == 1 else 0.1)
    (markers / "done").write_text(str(attempt))
    return attempt


# ---------------------------------------------------------------- the server's own database


def _secrets() -> dict:
    import secrets

    from cryptography.fernet import Fernet

    return {
        "SECRET_KEY": secrets.token_urlsafe(60),
        "PII_HASH_KEY": secrets.token_urlsafe(40),
        "AUDIT_HMAC_KEY": secrets.token_urlsafe(40),
        "PII_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    }


@dataclass
class Site:
    env: dict
    database_url: str
    admin_url: str | None
    db_name: str
    work: Path
    facts: dict = field(default_factory=dict)

    def manage(self, *args, timeout=300, env=None) -> str:
        done = subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        return done.stdout

    def query(self, sql, params=()):
        if self.admin_url is None:
            with sqlite3.connect(self.database_url.removeprefix("sqlite:///"), timeout=30) as db:
                return db.execute(sql.replace("%s", "?"), params).fetchall()
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as db:
            return db.execute(sql, params).fetchall()


def _table(model_path) -> str:
    from django.apps import apps

    return apps.get_model(model_path)._meta.db_table


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    work = tmp_path_factory.mktemp("resilience")
    (work / "resilience_settings.py").write_text(SETTINGS_MODULE)
    (work / "var").mkdir()
    admin_url = None
    if POSTGRES:
        import psycopg

        url = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
        db_name = f"jiefen_resilience_{os.getpid()}"
        admin_url = urllib.parse.urlunsplit(url._replace(path="/postgres"))
        database_url = urllib.parse.urlunsplit(url._replace(path=f"/{db_name}"))
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{db_name}"')
    else:
        db_name = str(work / "jiefen.sqlite3")
        database_url = f"sqlite:///{db_name}"
    env = {
        **os.environ,
        **_secrets(),
        "DJANGO_SETTINGS_MODULE": "resilience_settings",
        "PYTHONPATH": os.pathsep.join([str(work), str(ROOT)]),
        "DATABASE_URL": database_url,
        "JIEFEN_VAR_DIR": str(work / "var"),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        # Plain HTTP on the loopback: no TLS redirect, cookies sent without TLS.
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "DEBUG": "0",
        # All the load comes from one token; its rate limit would otherwise be what is tested.
        "JIEFEN_API_TOKEN_RATE": "1000000/s",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "JIEFEN_WORKER_HEARTBEAT_SECONDS": "0.3",
        "JIEFEN_WORKER_STALE_SECONDS": "2",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    site = Site(env=env, database_url=database_url, admin_url=admin_url, db_name=db_name, work=work)
    try:
        site.manage("migrate", "--noinput", "-v0")
        site.facts = json.loads(site.manage("seed_minimal", "--password", PASSWORD).strip().splitlines()[-1])
        yield site
    finally:
        if POSTGRES:
            import psycopg

            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'ALTER DATABASE "{db_name}" ALLOW_CONNECTIONS true')
                admin.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


# ---------------------------------------------------------------- the server and the worker


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children(pid) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            if f"\nPPid:\t{pid}\n" in status:
                found.append(int(entry.name))
    return found


class Server:
    """gunicorn in a process group of its own, so that SIGKILL reaches master and workers."""

    def __init__(self, site: Site, port=None):
        self.site = site
        self.port = port or _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = site.work / f"gunicorn-{self.port}.log"
        self.process = None

    def start(self, timeout=90):
        command = [GUNICORN, "config.wsgi", "--workers", str(WORKERS), "--threads", str(THREADS)]
        command += ["--bind", f"127.0.0.1:{self.port}", "--timeout", "120", "--graceful-timeout", "5"]
        # The control socket's default path is shared by every gunicorn of the user.
        command += ["--no-control-socket"]
        with open(self.log, "a") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.site.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"gunicorn exited: {self.log_tail()}"
            try:
                # Clients may already be queueing at the port: the answer can take a while.
                if requests.get(f"{self.base}/healthz", timeout=60).status_code == 200 and len(self.workers()) >= WORKERS:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise AssertionError(f"gunicorn did not come up: {self.log_tail()}")

    def workers(self) -> list[int]:
        return _children(self.process.pid)

    def kill(self):
        """The power cut: SIGKILL to the master and every worker at once."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.killpg(self.process.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)

    def stop(self):
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        # Workers outliving their master would hold the database.
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def log_tail(self, chars=4000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


@pytest.fixture
def server(site):
    started = []

    def make(port=None):
        server = Server(site, port)
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def processes(site):
    """Other manage.py commands (the worker), each in its own process group."""
    started = []

    def start(*args, name):
        log = open(site.work / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [PYTHON, "manage.py", *args], cwd=ROOT, env=site.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        process.log_file = log
        process.log_path = site.work / f"{name}.log"
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        process.log_file.close()


def login(base, username) -> requests.Session:
    session = requests.Session()
    session.get(f"{base}/login/", timeout=60)
    response = session.post(
        f"{base}/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        headers={"Referer": f"{base}/login/"},
        timeout=60,
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text[:500]
    return session


# ---------------------------------------------------------------- the load


class Load:
    """CLIENTS threads, each a loop of requests until stopped; what each answer was is kept.

    A connection refused, reset or timed out is "not acknowledged": the client moves on, as a
    program retrying later would.
    """

    def __init__(self, site: Site, base: str, *, clients=CLIENTS, seed=8):
        self.site, self.base, self.clients, self.seed = site, base, clients, seed
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.statuses = Counter()
        self.server_errors = []
        self.unexpected = []
        self.connection_errors = 0
        self.acknowledged = []  # (id, number, monotonic time of the answer)
        self.requests = 0
        self.latency = {}  # kind of request: [count, total seconds]
        self.threads = []
        self.staff = {"sessionid": None}
        self.leader = {"sessionid": None}

    def sign_in(self):
        self.staff = dict(login(self.base, self.site.facts["staff"]).cookies)
        self.leader = dict(login(self.base, self.site.facts["leader"]).cookies)

    def start(self):
        self.started = time.monotonic()
        for number in range(self.clients):
            thread = threading.Thread(target=self._client, args=(number,), daemon=True)
            thread.start()
            self.threads.append(thread)

    def stop(self):
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=180)
        self.elapsed = time.monotonic() - self.started

    def run_for(self, seconds):
        self.start()
        time.sleep(seconds)
        self.stop()

    def _create_body(self, rng, client, serial):
        facts = self.site.facts
        village = rng.randrange(len(facts["villages"]))
        return {
            "title": f"邻里纠纷（压力测试 {client}-{serial}）",
            "description": "两户因排水沟堵塞发生争执。",
            "dispute_type": facts["dispute_type"],
            "channel": "grid_screening",
            "village": facts["villages"][village],
            "grid": facts["grids"][village],
            "address": f"{serial}组{client}号",
            "risk_grade": "blue",
            "complexity": "ordinary",
            "confirm_duplicate": True,
            "parties": [
                {"role": "applicant", "kind": "person", "name": f"申请人{client}-{serial}", "phone": "13800138000"},
                {"role": "respondent", "kind": "person", "name": f"被申请人{client}-{serial}"},
            ],
        }

    def _client(self, client):
        rng = random.Random(self.seed * 1000 + client)
        token = {"Authorization": f"Token {self.site.facts['api_token']}"}
        http = requests.Session()
        serial = 0
        while not self.stopping.is_set():
            serial += 1
            known = [case_id for case_id, _number, _at in self.acknowledged[-200:]]
            roll = rng.random()
            headers, cookies, body, expected = {}, {}, None, 200
            if roll < WRITE_SHARE:
                method, path, headers, body, expected = "POST", "/api/v1/cases/", token, self._create_body(rng, client, serial), 201
            elif roll < 0.5:
                method, path, headers = "GET", "/api/v1/cases/?limit=20", token
            elif roll < 0.65 and known:
                method, path, headers = "GET", f"/api/v1/cases/{rng.choice(known)}/", token
            elif roll < 0.82:
                method, path, cookies = "GET", "/cases/", self.staff
            elif roll < 0.92 and known:
                method, path, cookies = "GET", f"/cases/{rng.choice(known)}/", self.staff
            elif roll < 0.96:
                # The dashboard and the statistics compute the indicators: seconds each here.
                method, path, cookies = "GET", "/dashboard/", self.leader
            else:
                method, path, headers = "GET", "/api/v1/statistics/", token
            kind = f"{method} " + ("/api/v1/cases/<id>/" if path.startswith("/api/v1/cases/") and path[14:15].isdigit() else
                                   "/cases/<id>/" if path.startswith("/cases/") and path[7:8].isdigit() else path)
            began = time.monotonic()
            try:
                response = http.request(
                    method, self.base + path, json=body, headers=headers, cookies=cookies, timeout=(5, 120), allow_redirects=False
                )
            except requests.RequestException:
                with self.lock:
                    self.connection_errors += 1
                http.close()
                http = requests.Session()
                self.stopping.wait(0.2)
                continue
            with self.lock:
                self.requests += 1
                counted = self.latency.setdefault(kind, [0, 0.0])
                counted[0] += 1
                counted[1] += time.monotonic() - began
                self.statuses[response.status_code] += 1
                if response.status_code >= 500:
                    self.server_errors.append((method, path, response.status_code, response.text[:300]))
                elif response.status_code != expected:
                    self.unexpected.append((method, path, response.status_code, response.text[:300]))
            if response.status_code == 201:
                data = response.json()
                with self.lock:
                    self.acknowledged.append((data["id"], data["number"], time.monotonic()))

    def summary(self) -> dict:
        return {
            "clients": self.clients,
            "seconds": round(self.elapsed, 1),
            "requests": self.requests,
            "rps": round(self.requests / self.elapsed, 1),
            "created": len(self.acknowledged),
            "statuses": dict(self.statuses),
            "server_errors": len(self.server_errors),
            "connection_errors": self.connection_errors,
            "mean_ms": {kind: round(1000 * total / count) for kind, (count, total) in sorted(self.latency.items())},
        }


def _json(value):
    """JSON columns come back as text from SQLite, decoded from PostgreSQL."""
    return json.loads(value) if isinstance(value, str) else value


def cases_in_database(site) -> dict:
    return dict(site.query(f"SELECT id, number FROM {_table('cases.Case')}"))


def assert_every_acknowledged_case_is_stored(site, load):
    stored = cases_in_database(site)
    missing = [(case_id, number) for case_id, number, _at in load.acknowledged if stored.get(case_id) != number]
    assert not missing, f"acknowledged with 201 but not in the database: {missing[:20]}"
    assert len({case_id for case_id, _n, _at in load.acknowledged}) == len(load.acknowledged)
    numbers = [number for _id, number, _at in load.acknowledged]
    assert len(set(numbers)) == len(numbers), "a case number was issued twice"


def wait_for(condition, *, timeout=90.0, what="condition"):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def report(name, summary):
    """The figures of a run, shown with -s."""
    line = f"{name} ({'postgresql' if POSTGRES else 'sqlite'}): {json.dumps(summary, ensure_ascii=False)}"
    print(line)
    return line


# ---------------------------------------------------------------- the tests


def test_load_mixed_reads_and_writes_no_server_errors_and_nothing_acknowledged_is_lost(site, server):
    live = server().start()
    before = len(cases_in_database(site))
    load = Load(site, live.base)
    load.sign_in()
    load.run_for(SECONDS)
    summary = load.summary()
    report("load", summary)

    assert not load.server_errors, f"{summary}; {load.server_errors[:5]}\n{live.log_tail()}"
    assert not load.unexpected, f"{summary}; {load.unexpected[:5]}"
    assert load.connection_errors == 0, f"{summary}\n{live.log_tail()}"
    assert load.acknowledged and load.requests > len(load.acknowledged)
    assert_every_acknowledged_case_is_stored(site, load)
    assert len(cases_in_database(site)) == before + len(load.acknowledged)
    assert "database is locked" not in live.log_tail(100_000)


def test_server_and_worker_killed_mid_load_lose_nothing_acknowledged_and_the_task_runs_again(site, server, processes):
    markers = site.work / "markers"
    markers.mkdir()
    tasks_table = _table("django_tasks_database.DBTaskResult")
    enqueue = (
        "import django; django.setup()\n"
        "from tests.test_resilience import slow_task\n"
        f"print(slow_task.enqueue({str(markers)!r}, 120).id)\n"
    )
    done = subprocess.run([PYTHON, "-c", enqueue], cwd=ROOT, env=site.env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    task_id = done.stdout.strip().splitlines()[-1]

    def task_row():
        # A uuid column on PostgreSQL, 32 hex digits on SQLite.
        where, key = ("id::text = %s", task_id) if POSTGRES else ("id = %s", task_id.replace("-", ""))
        status, worker_ids, value = site.query(f"SELECT status, worker_ids, return_value FROM {tasks_table} WHERE {where}", [key])[0]
        return status, _json(worker_ids), _json(value)

    worker_args = ["run_worker", "--queue-name", "*", "--interval", "0.1", "--no-startup-delay", "--worker-id"]
    first_worker = processes(*worker_args, "resilience-killed", name="worker-killed")
    first = server().start()
    load = Load(site, first.base, seed=9)
    load.sign_in()
    deadline = time.monotonic() + 90
    while not (markers / "started-1").exists():
        assert time.monotonic() < deadline and first_worker.poll() is None, first_worker.log_path.read_text()[-3000:]
        time.sleep(0.1)

    load.start()
    acknowledged_before_kill, killed_at, back_at = 0, None, None
    try:
        wait_for(lambda: len(load.acknowledged) >= 5, what="cases acknowledged before the kill")
        acknowledged_before_kill = len(load.acknowledged)
        # The power cut: web server (master and workers) and the worker, all at once, mid-task.
        os.killpg(first_worker.pid, signal.SIGKILL)
        first.kill()
        assert first_worker.wait(timeout=10) == -signal.SIGKILL
        killed_at = time.monotonic()
        assert task_row()[0] == "RUNNING"

        second = server(first.port)  # the clients come back to the same address
        second.start()
        second_worker = processes(*worker_args, "resilience-second", name="worker-second")
        back_at = time.monotonic()
        wait_for(lambda: sum(1 for *_case, at in load.acknowledged if at > back_at) >= 5, what="cases acknowledged after the restart")
        time.sleep(max(KILL_SECONDS - (time.monotonic() - load.started), 0))
    finally:
        load.stop()
        summary = {**load.summary(), "acknowledged_before_kill": acknowledged_before_kill}
        if back_at is not None:
            summary["acknowledged_after_restart"] = sum(1 for *_case, at in load.acknowledged if at > back_at)
            summary["down_seconds"] = round(back_at - killed_at, 1)
        report("sigkill", summary)

    assert not load.server_errors, f"{summary}; {load.server_errors[:5]}\n{second.log_tail()}"
    assert not load.unexpected, f"{summary}; {load.unexpected[:5]}"
    assert acknowledged_before_kill and summary["acknowledged_after_restart"], summary
    assert load.connection_errors, "the kill should have been felt by the clients"
    assert_every_acknowledged_case_is_stored(site, load)

    # The new worker hands the dead one's task back to the queue and runs it to the end.
    deadline = time.monotonic() + 90
    while task_row()[0] != "SUCCESSFUL":
        assert time.monotonic() < deadline and second_worker.poll() is None, second_worker.log_path.read_text()[-3000:]
        time.sleep(0.2)
    _status, worker_ids, value = task_row()
    assert worker_ids == ["resilience-killed", "resilience-second"]
    assert value == 2
    assert sorted(p.name for p in markers.glob("started-*")) == ["started-1", "started-2"]


@pytest.mark.skipif(not POSTGRES, reason="taking the database away from a running server needs PostgreSQL (DATABASE_URL)")
def test_database_unavailable_gives_503_and_the_server_recovers_by_itself(site, server):
    import psycopg

    live = server().start()
    staff = login(live.base, site.facts["staff"])
    token = {"Authorization": f"Token {site.facts['api_token']}"}
    assert staff.get(f"{live.base}/cases/", timeout=30).status_code == 200
    assert requests.get(f"{live.base}/api/v1/cases/", headers=token, timeout=30).status_code == 200
    master, workers = live.process.pid, sorted(live.workers())
    api_answers = Counter()

    with psycopg.connect(site.admin_url, autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{site.db_name}" ALLOW_CONNECTIONS false')
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [site.db_name],
        )
        try:
            # Every worker's persistent connection is gone: ask enough times to reach them all.
            for _round in range(2 * WORKERS):
                page = staff.get(f"{live.base}/cases/", timeout=30)
                assert page.status_code == 503, page.text[:500]
                assert page.headers["Retry-After"] == "30"
                assert "服务暂时不可用" in page.text and "已保存的数据不受影响" in page.text
                for how, api in (
                    ("token", requests.get(f"{live.base}/api/v1/cases/", headers=token, timeout=30)),
                    ("session", staff.get(f"{live.base}/api/v1/cases/", timeout=30)),
                ):
                    api_answers[how, api.status_code, api.json()["error"]["code"]] += 1
                    if api.status_code == 503:
                        assert api.json()["error"]["message"] == "服务暂时不可用，请稍后再试。"
            assert requests.get(f"{live.base}/healthz", timeout=30).status_code == 503
        finally:
            admin.execute(f'ALTER DATABASE "{site.db_name}" ALLOW_CONNECTIONS true')

    # Back without a restart: the first request of each worker reconnects.
    for _round in range(2 * WORKERS):
        assert staff.get(f"{live.base}/cases/", timeout=30).status_code == 200
        assert requests.get(f"{live.base}/api/v1/cases/", headers=token, timeout=30).status_code == 200
    assert live.process.pid == master and sorted(live.workers()) == workers

    wrong = {answer: count for answer, count in api_answers.items() if answer[1:] != (503, "service_unavailable")}
    assert not wrong, dict(api_answers)
