"""The peer, side by side: django-helpdesk 2.6.1 (bench/peer/) under the same load as Jiefen.

Same machine, same number of tickets as cases, same database kind (its own SQLite file, or a
`<name>_peer` database beside the bench's on the same PostgreSQL), gunicorn with the same
number of workers, the same `hey` clients. Measured: ticket creation through its REST API, its
REST list (/api/tickets/), the JSON its staff ticket list loads (datatables endpoint), and
`escalate_tickets` over every ticket due.
"""

import json
import subprocess
import urllib.parse
from pathlib import Path

from bench import load

PEER_DIR = Path(__file__).resolve().parent / "peer"
VERSION = "2.6.1"


class Peer:
    def __init__(self, bench):
        from bench.run import CONCURRENCY, PEER_PORT, ROOT, VAR, WORKERS, log

        self.bench, self.log = bench, log
        self.concurrency, self.port, self.workers = CONCURRENCY, PEER_PORT, WORKERS
        self.var = VAR
        self.python = ROOT / "var" / "bench" / "peer-venv" / "bin" / "python"
        self.env = {k: v for k, v in bench.env.items() if k not in ("DJANGO_SETTINGS_MODULE", "PYTHONPATH", "DATABASE_URL")}
        self.env.update({"DJANGO_SETTINGS_MODULE": "settings", "PEER_VAR_DIR": str(VAR), "PYTHONPATH": str(PEER_DIR)})
        if bench.pg_url:
            parts = urllib.parse.urlsplit(bench.env["DATABASE_URL"])
            self.env["PEER_DATABASE_URL"] = urllib.parse.urlunsplit(parts._replace(path=parts.path + "_peer"))
        self.password = "peer-bench-2026"

    def step(self, *argv):
        done = subprocess.run([str(self.python), "steps.py", *map(str, argv)], cwd=PEER_DIR, env=self.env, check=True, stdout=subprocess.PIPE)
        return json.loads(done.stdout.decode().strip().splitlines()[-1])

    def manage(self, *argv):
        subprocess.run([str(self.python), "manage.py", *argv], cwd=PEER_DIR, env=self.env, check=True, stdout=subprocess.DEVNULL)

    def fresh_database(self):
        if "PEER_DATABASE_URL" in self.env:
            import psycopg

            parts = urllib.parse.urlsplit(self.env["PEER_DATABASE_URL"])
            name = parts.path.lstrip("/")
            with psycopg.connect(urllib.parse.urlunsplit(parts._replace(path="/postgres")), autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                admin.execute(f'CREATE DATABASE "{name}"')
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.var / 'peer.sqlite3'}{suffix}").unlink(missing_ok=True)

    def run(self):
        if not self.python.exists():
            return {"skipped": "no var/bench/peer-venv: run scripts/bench.sh (make bench) to install the peer"}
        self.log(f"peer: django-helpdesk {VERSION}, {self.bench.cases:,} tickets …")
        self.fresh_database()
        self.manage("migrate", "--noinput")
        populated = self.step("populate", self.bench.cases, self.password)
        query = self.step("staff_query")["query"]
        out = {"version": VERSION, "tickets": populated["tickets"], "populate_seconds": populated["seconds"]}
        work = self.var / "work"
        work.mkdir(exist_ok=True)
        with load.Server(python_bin=self.python, app="wsgi", port=self.port, workers=self.workers,
                         env={**self.env}, cwd=PEER_DIR, log=self.var / "peer-gunicorn.log", health="/login/") as server:
            jar = load.login(self.port, "bench", self.password)
            token, jar = load.form_token(self.port, jar, "/tickets/submit/")
            session = {"Cookie": load.cookie_header(jar)}
            body = json.dumps({"queue": populated["queue"], "title": "Neighbour dispute (benchmark)",
                               "description": "Two households argue about a blocked drain.",
                               "submitter_email": "party@example.org", "priority": 3})
            writer = {**session, "X-CSRFToken": jar.get("csrftoken", token), "Origin": f"https://127.0.0.1:{self.port}",
                      "Referer": f"https://127.0.0.1:{self.port}/"}
            datatables = f"/datatables_ticket_list/{query}?draw=1&start=0&length=25&order%5B0%5D%5Bcolumn%5D=5&order%5B0%5D%5Bdir%5D=desc"
            scenarios = [
                ("api_list", "GET", "/api/tickets/", session, None, None, (200,)),
                ("staff_list", "GET", datatables, session, None, None, (200,)),
                ("create", "POST", "/api/tickets/", writer, body, "application/json", (201,)),
            ]
            for name, method, path, headers, data, ctype, ok in scenarios:
                load.hey(self.port, path, seconds=1, concurrency=self.concurrency, method=method, headers=headers, body=data,
                         content_type=ctype, ok=ok, workdir=work)
                result = load.hey(self.port, path, seconds=self.bench.seconds, concurrency=self.concurrency, method=method,
                                  headers=headers, body=data, content_type=ctype, ok=ok, workdir=work)
                result["path"] = path.split("?")[0]
                out[name] = result
                self.log(f"peer {name:<10} {result['rps']:>8.1f} req/s  p50 {result['p50_ms']} ms  p95 {result['p95_ms']}  "
                         f"p99 {result['p99_ms']}  errors {result['errors']}")
                if result["errors"]:
                    self.bench.results["notes"].append(f"peer {name}: {result['errors']} responses outside {ok}: {result['statuses']}")
            out["rss_mb"] = {"web_worker_peak": server.peak_rss_mb()}
        out["escalate"] = self.step("escalate")
        self.log(f"peer escalate_tickets {out['escalate']['seconds']} s for {out['escalate']['tickets']:,} tickets")
        return out
