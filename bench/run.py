"""The benchmark: `make bench [QUICK=1] [CASES=N] [SCALEOUT=1] [PEER=0]` (see bench/README.md).

Builds a bench database (the demo subdistrict plus N synthetic cases), runs the app as in
production (gunicorn, production settings, whitenoise) and loads it with `hey` from another
process; times the deadline sweep and the monthly report in-process; records the peak memory of
a web worker and of the background worker; runs django-helpdesk beside it (bench/peer/); writes
bench/results.json and prints a table.
"""

import argparse
import hashlib
import json
import os
import secrets
import sqlite3
import subprocess
import time
import urllib.parse
from datetime import datetime, timezone
from pathlib import Path

from bench import load

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
PY = ROOT / ".venv" / "bin" / "python"
RESULTS = ROOT / "bench" / "results.json"
CONCURRENCY = 4
# Sync workers: 2 × cores + 1 (gunicorn's own rule of thumb); each request holds one worker, so
# on a small machine a few more workers than cores keep the CPUs busy while others wait on the database.
WORKERS = 2 * (os.cpu_count() or 1) + 1
PORT, PEER_PORT = 8765, 8766
DEEP_ROWS = 100_000
PASSWORD = "jiefen2026"
# How `intake` reaches the app. "web_form" posts the intake form (session + CSRF); switch to
# "api" once POST /api/v1/cases/ exists (token auth, JSON body), see intake_request().
INTAKE_VIA = "api"


def log(text):
    print(f"[bench {datetime.now():%H:%M:%S}] {text}", flush=True)


def demo_key() -> str:
    """Changes when a migration or the demo changes, so a cached demo database is rebuilt."""
    digest = hashlib.sha256()
    files = sorted(ROOT.glob("jiefen/*/migrations/*.py")) + sorted(ROOT.glob("jiefen/*/demo*.py"))
    files += sorted(ROOT.glob("jiefen/*/management/commands/load_demo.py"))
    for path in files + [VAR / "secrets.json"]:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def data_key(cases: int) -> str:
    """Names a cached generated database: the generator, the demo, the size and the day (the
    generator places cases relative to today, so another day's data would age differently)."""
    digest = hashlib.sha256()
    files = [ROOT / "bench" / "generate.py"] + sorted(ROOT.glob("jiefen/*/demo*.py"))
    for path in files + [VAR / "secrets.json"]:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    digest.update(f"{cases}:{datetime.now().date().isoformat()}".encode())
    return digest.hexdigest()[:12]


def bench_secrets() -> dict:
    """Keys production settings require, made once and kept: the cached demo database holds
    personal data encrypted and hashed with them, so they must outlive one run."""
    path = VAR / "secrets.json"
    if not path.exists():
        import base64

        values = {
            "SECRET_KEY": secrets.token_urlsafe(48),
            "PII_HASH_KEY": secrets.token_urlsafe(36),
            "AUDIT_HMAC_KEY": secrets.token_urlsafe(36),
            "PII_ENCRYPTION_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        }
        path.write_text(json.dumps(values, indent=1))
        path.chmod(0o600)
    return json.loads(path.read_text())


class Bench:
    def __init__(self, args):
        self.args = args
        self.cases = args.cases
        self.seconds = args.seconds or (8 if args.quick else 20)
        self.pg_url = os.environ.get("DATABASE_URL", "").strip() or None
        VAR.mkdir(parents=True, exist_ok=True)
        self.env = {
            **os.environ,
            "JIEFEN_VAR_DIR": str(VAR),
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            **bench_secrets(),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            # The load is one client program; the per-token rate limit would otherwise be what is measured.
            "JIEFEN_API_TOKEN_RATE": "1000000/s",
            "DEBUG": "false",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
        self.env.pop("DATABASE_URL", None)
        if self.pg_url:
            self.env["DATABASE_URL"] = self.bench_db_url(self.pg_url)
        self.results = {
            "cases": self.cases,
            "db": "postgresql" if self.pg_url else "sqlite",
            "quick": bool(args.quick),
            "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "machine": {"cpus": os.cpu_count(), "load_avg_at_start": os.getloadavg()[0]},
            "settings": {"workers": WORKERS, "concurrency": CONCURRENCY, "seconds_per_scenario": self.seconds},
            "notes": [],
        }

    # ------------------------------------------------------------ database

    @staticmethod
    def bench_db_url(url):
        """The bench never touches the database named in DATABASE_URL: it uses `<name>_bench` beside it."""
        parts = urllib.parse.urlsplit(url)
        name = parts.path.lstrip("/") or "jiefen"
        if not name.endswith("bench"):
            name += "_bench"
        return urllib.parse.urlunsplit(parts._replace(path="/" + name))

    def manage(self, *argv, env=None, quiet=True):
        subprocess.run([str(PY), "manage.py", *argv], cwd=ROOT, env=env or self.env, check=True,
                       stdout=subprocess.DEVNULL if quiet else None)

    def inproc(self, step, *argv, env=None):
        done = subprocess.run([str(PY), "-m", "bench.inproc", step, *map(str, argv)], cwd=ROOT, env=env or self.env,
                              check=True, stdout=subprocess.PIPE)
        return json.loads(done.stdout.decode().strip().splitlines()[-1])

    def prepare_database(self):
        key = demo_key()
        if self.pg_url:
            self.prepare_postgres(key)
        else:
            self.prepare_sqlite(key)

    def prepare_sqlite(self, key):
        db = VAR / "jiefen.sqlite3"
        cache = VAR / f"demo-{key}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        if not cache.exists():
            log("building the demo database (once per change of migrations or demo) …")
            self.manage("migrate", "--noinput")
            self.manage("load_demo")
            for old in VAR.glob("demo-*.sqlite3"):
                old.unlink()
            with sqlite3.connect(db) as source, sqlite3.connect(cache) as target:
                source.backup(target)
        else:
            log(f"demo database from cache {cache.name}")
            with sqlite3.connect(cache) as source, sqlite3.connect(db) as target:
                source.backup(target)
            self.manage("migrate", "--noinput")

    def prepare_postgres(self, key):
        import psycopg

        url = urllib.parse.urlsplit(self.env["DATABASE_URL"])
        name = url.path.lstrip("/")
        template = f"{name}_demo_{key}"
        admin_url = urllib.parse.urlunsplit(url._replace(path="/postgres"))
        with psycopg.connect(admin_url, autocommit=True) as admin:
            existing = {row[0] for row in admin.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [f"{name}%"])}
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if template in existing:
                log(f"demo database from template {template}")
                admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
                return
            log("building the demo database (once per change of migrations or demo) …")
            for old in existing - {name}:
                if old.startswith(f"{name}_demo_"):
                    admin.execute(f'DROP DATABASE IF EXISTS "{old}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
        self.manage("migrate", "--noinput")
        self.manage("load_demo")
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{template}" TEMPLATE "{name}"')

    # ------------------------------------------------------------ cached generated data (REUSE=1)

    def data_cache(self):
        key = data_key(self.cases)
        if self.pg_url:
            name = urllib.parse.urlsplit(self.env["DATABASE_URL"]).path.lstrip("/")
            return f"{name}_data_{key}", VAR / f"data-{key}.json"
        return VAR / f"data-{key}.sqlite3", VAR / f"data-{key}.json"

    def restore_data(self):
        """The database as generated earlier today with the same generator and size, brought up
        to the current migrations (as a deployment would be); None when there is none."""
        cache, meta = self.data_cache()
        if not meta.exists():
            return None
        log(f"generated data from cache {meta.stem} …")
        if self.pg_url:
            import psycopg

            url = urllib.parse.urlsplit(self.env["DATABASE_URL"])
            admin_url = urllib.parse.urlunsplit(url._replace(path="/postgres"))
            name = url.path.lstrip("/")
            with psycopg.connect(admin_url, autocommit=True) as admin:
                if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [cache]).fetchone():
                    return None
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{cache}"')
        else:
            if not cache.exists():
                return None
            db = VAR / "jiefen.sqlite3"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
            with sqlite3.connect(cache) as source, sqlite3.connect(db) as target:
                source.backup(target)
        self.manage("migrate", "--noinput")
        return {**json.loads(meta.read_text()), "cache": meta.stem}

    def store_data(self, generated):
        """Keep the freshly generated database (before any load or sweep touches it) for REUSE=1."""
        cache, meta = self.data_cache()
        for old in VAR.glob("data-*"):
            old.unlink()
        if self.pg_url:
            import psycopg

            url = urllib.parse.urlsplit(self.env["DATABASE_URL"])
            admin_url = urllib.parse.urlunsplit(url._replace(path="/postgres"))
            name = url.path.lstrip("/")
            with psycopg.connect(admin_url, autocommit=True) as admin:
                for (old,) in admin.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [f"{name}_data_%"]).fetchall():
                    admin.execute(f'DROP DATABASE IF EXISTS "{old}" WITH (FORCE)')
                admin.execute(f'CREATE DATABASE "{cache}" TEMPLATE "{name}"')
        else:
            with sqlite3.connect(VAR / "jiefen.sqlite3") as source, sqlite3.connect(cache) as target:
                source.backup(target)
        meta.write_text(json.dumps(generated))

    # ------------------------------------------------------------ the app under load

    def intake_request(self, port, jar, facts):
        """(path, headers, body, content type, ok statuses) of one case registration."""
        if INTAKE_VIA == "api":
            body = json.dumps({
                "title": "邻里排水纠纷（基准测试）", "description": "两户因排水沟堵塞发生争执。", "dispute_type": facts["dispute_type_id"],
                "channel": "grid_screening", "village": facts["village_id"], "grid": facts["grid_id"], "address": "3组12号",
                "risk_grade": "blue", "complexity": "ordinary", "confirm_duplicate": True,
                "parties": [{"role": "applicant", "kind": "person", "name": "张三", "id_number": "11010519491231002X", "phone": "13800138000"},
                            {"role": "respondent", "kind": "person", "name": "李四"}],
            })
            return "/api/v1/cases/", {"Authorization": f"Token {facts['api_token']}"}, body, "application/json", (201,)
        token, jar = load.form_token(port, jar, "/cases/new/")
        fields = {
            "csrfmiddlewaretoken": token, "title": "邻里排水纠纷（基准测试）", "description": "两户因排水沟堵塞发生争执。",
            "dispute_type": facts["dispute_type_id"], "channel": "grid_screening", "village": facts["village_id"], "compound": "",
            "grid": facts["grid_id"], "address": "3组12号", "latitude": "", "longitude": "", "people_involved": "2",
            "amount_in_dispute": "", "risk_grade": "blue", "complexity": "ordinary", "confirm_duplicate": "on",
            "parties-TOTAL_FORMS": "2", "parties-INITIAL_FORMS": "0", "parties-MIN_NUM_FORMS": "1", "parties-MAX_NUM_FORMS": "20",
            "parties-0-role": "applicant", "parties-0-kind": "person", "parties-0-name": "张三",
            "parties-0-id_number": "11010519491231002X", "parties-0-phone": "13800138000",
            "parties-1-role": "respondent", "parties-1-kind": "person", "parties-1-name": "李四",
        }
        headers = {"Cookie": load.cookie_header(jar), "Origin": f"https://127.0.0.1:{port}", "Referer": f"https://127.0.0.1:{port}/cases/new/"}
        return "/cases/new/", headers, urllib.parse.urlencode(fields), "application/x-www-form-urlencoded", (302,)

    def run_http(self, facts):
        work = VAR / "work"
        work.mkdir(exist_ok=True)
        out = {}
        with load.Server(python_bin=PY, app="config.wsgi", port=PORT, workers=WORKERS, env=self.env, cwd=ROOT,
                         log=VAR / "gunicorn.log") as server:
            staff = load.login(PORT, "zongzhi", PASSWORD)
            leader = load.login(PORT, "lingdao", PASSWORD)
            as_staff = {"Cookie": load.cookie_header(staff)}
            deep = f"&after={facts['list_deep_after']}" if facts["list_deep_after"] else ""
            scenarios = [
                ("floor", "GET", "/healthz", as_staff, None, None, (200,)),
                ("list_first", "GET", f"/cases/?{facts['list_filter']}", as_staff, None, None, (200,)),
                ("list_deep", "GET", f"/cases/?{facts['list_filter']}{deep}", as_staff, None, None, (200,)),
                ("api_list_first", "GET", f"/api/v1/cases/?{facts['list_filter']}", {"Authorization": f"Token {facts['api_token']}"},
                 None, None, (200,)) if facts.get("api_token") else None,
                ("detail", "GET", f"/cases/{facts['detail_id']}/", as_staff, None, None, (200,)),
                ("dashboard", "GET", "/dashboard/", {"Cookie": load.cookie_header(leader)}, None, None, (200,)),
            ]
            path, headers, body, ctype, ok = self.intake_request(PORT, staff, facts)
            scenarios.append(("intake", "POST", path, headers, body, ctype, ok))
            for name, method, path, headers, body, ctype, ok in filter(None, scenarios):
                load.hey(PORT, path, seconds=1, concurrency=CONCURRENCY, method=method, headers=headers, body=body,
                         content_type=ctype, ok=ok, workdir=work)  # warm every worker
                result = load.hey(PORT, path, seconds=self.seconds, concurrency=CONCURRENCY, method=method, headers=headers,
                                  body=body, content_type=ctype, ok=ok, workdir=work)
                result["path"] = path
                out[name] = result
                log(f"{name:<11} {result['rps']:>8.1f} req/s  p50 {result['p50_ms']} ms  p95 {result['p95_ms']}  "
                    f"p99 {result['p99_ms']}  errors {result['errors']}")
                if result["errors"]:
                    self.results["notes"].append(f"{name}: {result['errors']} responses outside {ok}: {result['statuses']}")
            out["list_first"]["filter"] = out["list_deep"]["filter"] = facts["list_filter"]
            out["list_deep"]["rows_in"] = facts["list_deep_rows_in"]
            out["intake"]["via"] = INTAKE_VIA
            self.results["rss_mb"] = {"web_worker_peak": server.peak_rss_mb()}
        return out

    def phase(self, name, started):
        self.results.setdefault("phase_seconds", {})[name] = round(time.perf_counter() - started, 1)
        return time.perf_counter()

    def collectstatic(self):
        """Whitenoise compresses every file on collectstatic; do it again only when a static file changed."""
        manifest = VAR / "staticfiles" / "staticfiles.json"
        sources = [p for p in ROOT.glob("jiefen/*/static/**/*") if p.is_file()] + [ROOT / "requirements" / "base.txt"]
        if manifest.exists() and all(p.stat().st_mtime < manifest.stat().st_mtime for p in sources):
            return
        self.manage("collectstatic", "--noinput", "-v0")

    def run(self):
        t0 = time.perf_counter()
        generated = self.restore_data() if self.args.reuse else None
        if generated is None:
            self.prepare_database()
            t = self.phase("database", t0)
            log(f"generating {self.cases:,} cases …")
            generated = self.inproc("generate", self.cases)
            log(f"generated in {generated['seconds']} s: {generated}")
            if self.args.reuse:
                self.store_data(generated)
        else:
            self.results["notes"].append(f"generated data reused from today's cache ({generated.get('cache')})")
        self.results["generated"] = generated
        t = self.phase("generate", t0)
        if self.args.data_only:
            return
        self.collectstatic()
        t = self.phase("collectstatic", t)
        facts = self.inproc("facts", DEEP_ROWS)
        if INTAKE_VIA == "api":
            facts["api_token"] = self.inproc("api_token", "zongzhi")["key"]
        self.results["data"] = {k: facts[k] for k in ("cases", "open_cases", "states", "list_matched")}
        if INTAKE_VIA != "api":
            self.results["notes"].append("intake measured through the web intake form (POST /cases/new/, session + CSRF); "
                                         "switch INTAKE_VIA in bench/run.py to 'api' once POST /api/v1/cases/ exists")
        if facts["list_deep_rows_in"] < DEEP_ROWS:
            self.results["notes"].append(f"list_deep: only {facts['list_matched']:,} cases match {facts['list_filter']}, "
                                         f"so the deep page is {facts['list_deep_rows_in']:,} rows in, not {DEEP_ROWS:,}")

        log("statistics snapshots (the scheduler's statistics_warm duty) …")
        self.results["statistics_warm"] = self.inproc("warm_statistics")
        log(f"statistics snapshots computed in {self.results['statistics_warm']['seconds']} s")

        # The background worker runs beside the web server; the reports it renders are queued
        # once the latency runs are over, so that each figure measures one thing (three 1M
        # reports would otherwise hold a core through the first scenarios on a 2-core machine).
        self.inproc("clear_tasks")
        worker_log = open(VAR / "worker.log", "ab")
        worker = subprocess.Popen([str(PY), "manage.py", "run_worker", "--queue-name", "*"], cwd=ROOT, env=self.env,
                                  stdout=worker_log, stderr=worker_log, start_new_session=True)
        try:
            t = self.phase("prepare_load", t)
            self.results.update(self.run_http(facts))
            t = self.phase("http", t)
            self.inproc("enqueue", "report", 3, facts["month"])
            deadline = time.time() + 600
            while time.time() < deadline:
                state = self.inproc("tasks")
                if sum(state["by_status"].get(s, 0) for s in ("SUCCESSFUL", "FAILED")) >= 3:
                    break
                time.sleep(2)
            self.results["rss_mb"]["background_worker_peak"] = load.peak_rss_mb(worker.pid)
            self.results["worker_tasks"] = state["by_status"]
            if state["by_status"].get("FAILED"):
                self.results["notes"].append("a background report task failed: see var/bench/worker.log")
        finally:
            worker.terminate()
            worker.wait(30)
            worker_log.close()

        t = self.phase("worker_wait", t)
        log("deadline sweep …")
        sweep = self.inproc("sweep")
        self.results["sweep"] = {**sweep, "cases_per_s": round(sweep["open_cases"] / sweep["seconds"], 1) if sweep["seconds"] else None}
        log(f"sweep {sweep['seconds']} s over {sweep['open_cases']:,} open cases (again: {sweep['repeat_seconds']} s)")
        log("monthly report …")
        self.results["monthly_report"] = self.inproc("monthly_report", VAR / "reports")
        log(f"monthly report {self.results['monthly_report']['seconds']} s")
        t = self.phase("sweep_and_report", t)

        # A failing peer or scale-out run is reported in the results, not allowed to lose them.
        if self.args.peer:
            from bench.peer_run import Peer

            try:
                self.results["peer"] = Peer(self).run()
            except Exception as exc:  # noqa: BLE001
                self.results["peer"] = {"error": repr(exc)}
                self.results["notes"].append(f"the peer run failed: {exc!r}; see var/bench/peer-gunicorn.log")
            self.results["ratios"] = ratios(self.results)
            t = self.phase("peer", t)
        if self.args.scaleout:
            from bench.scaleout import scaleout

            try:
                self.results["scaleout"] = scaleout(self, facts)
            except Exception as exc:  # noqa: BLE001
                self.results["scaleout"] = {"error": repr(exc)}
            t = self.phase("scaleout", t)
        self.results["total_seconds"] = round(time.perf_counter() - t0, 1)
        RESULTS.write_text(json.dumps(self.results, indent=2, ensure_ascii=False) + "\n")
        print(table(self.results))
        log(f"results in {RESULTS.relative_to(ROOT)} ({self.results['total_seconds']} s)")


def ratios(results):
    """Ours ÷ the peer's, for the pairs that do the same job (higher is better for us)."""
    peer = results.get("peer") or {}

    def rate(ours, theirs):
        return round(ours / theirs, 2) if ours and theirs else None

    return {
        "intake_vs_create": rate(results["intake"]["rps"], peer.get("create", {}).get("rps")),
        "list_first_vs_api_list": rate(results["list_first"]["rps"], peer.get("api_list", {}).get("rps")),
        "list_first_vs_staff_list": rate(results["list_first"]["rps"], peer.get("staff_list", {}).get("rps")),
        "sweep_vs_escalate": rate(results["sweep"].get("cases_per_s"), peer.get("escalate", {}).get("tickets_per_s")),
    }


def _ms(value):
    return f"{value:>9.1f}" if value is not None else f"{'—':>9}"


def table(results):
    lines = [f"\nJiefen benchmark — {results['cases']:,} cases, {results['db']}, "
             f"{results['settings']['workers']} gunicorn workers, {results['settings']['concurrency']} clients", ""]
    lines.append(f"{'name':<16}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}  note")
    for name in ("intake", "list_first", "list_deep", "api_list_first", "detail", "dashboard", "floor"):
        r = results.get(name)
        if not r:
            continue
        note = {"list_deep": f"{r.get('rows_in', 0):,} rows in", "intake": f"via {r.get('via')}"}.get(name, "")
        if r.get("errors"):
            note += f" ({r['errors']} errors)"
        lines.append(f"{name:<16}{r['rps']:>9.1f}{_ms(r['p50_ms'])}{_ms(r['p95_ms'])}{_ms(r['p99_ms'])}  {note}")
    sweep = results["sweep"]
    lines.append(f"{'sweep':<16}{sweep['seconds']:>9.2f} s  over {sweep['open_cases']:,} open cases "
                 f"({sweep.get('cases_per_s') or 0:,.0f} cases/s; again {sweep['repeat_seconds']:.2f} s)")
    lines.append(f"{'monthly_report':<16}{results['monthly_report']['seconds']:>9.2f} s  ({results['monthly_report']['period']}, PDF)")
    rss = results.get("rss_mb", {})
    lines.append(f"peak RSS: web worker {rss.get('web_worker_peak')} MiB, background worker {rss.get('background_worker_peak')} MiB")
    peer = results.get("peer")
    if peer and "error" not in peer:
        lines += ["", f"peer: django-helpdesk {peer.get('version')} with {peer.get('tickets', 0):,} tickets"]
        for name in ("create", "api_list", "staff_list"):
            r = peer.get(name)
            if r:
                lines.append(f"  {name:<14}{r['rps']:>9.1f}{_ms(r['p50_ms'])}{_ms(r['p95_ms'])}{_ms(r['p99_ms'])}")
        esc = peer.get("escalate")
        if esc:
            lines.append(f"  {'escalate':<14}{esc['seconds']:>9.2f} s  ({esc['tickets']:,} tickets, {esc.get('tickets_per_s') or 0:,.0f} tickets/s)")
        lines.append("ratios (ours ÷ peer): " + ", ".join(f"{k} {v}" for k, v in (results.get("ratios") or {}).items()))
    scale = results.get("scaleout")
    if scale:
        lines += ["", "scale-out: " + json.dumps(scale, ensure_ascii=False)]
    for note in results.get("notes", []):
        lines.append(f"note: {note}")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="10,000 cases, short runs")
    parser.add_argument("--seconds", type=int, default=0, help="seconds of load per scenario")
    parser.add_argument("--no-peer", dest="peer", action="store_false")
    parser.add_argument("--scaleout", action="store_true", help="one worker, then two, on PostgreSQL")
    parser.add_argument("--reuse", action="store_true", help="keep the generated data and reuse it later the same day")
    parser.add_argument("--data-only", action="store_true", help="only generate (and with --reuse keep) the data")
    args = parser.parse_args(argv)
    args.cases = args.cases or (10_000 if args.quick else 100_000)
    Bench(args).run()


if __name__ == "__main__":
    main()
