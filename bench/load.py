"""HTTP side of the benchmark: start gunicorn, sign in, and drive one URL with `hey`.

`hey` is a separate process (Go), so the load never shares an interpreter with the server. It
writes one CSV row per request; percentiles and throughput are computed from those rows, and
any response outside the expected statuses is counted and reported, never silently averaged in.
"""

import csv
import http.client
import io
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.parse
from pathlib import Path

# The app runs as behind a TLS-terminating proxy: production settings redirect plain HTTP and
# mark cookies Secure, and SECURE_PROXY_SSL_HEADER trusts this header from the proxy.
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}


def percentile(sorted_values, q):
    if not sorted_values:
        return None
    index = min(len(sorted_values) - 1, max(0, int(round(q / 100 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[index]


class Server:
    """A gunicorn master with `workers` sync workers on 127.0.0.1:port."""

    def __init__(self, *, python_bin: Path, app: str, port: int, workers: int, env: dict, cwd: Path, log: Path, health="/healthz"):
        self.port, self.workers, self.health = port, workers, health
        gunicorn = python_bin.parent / "gunicorn"
        self.command = [str(gunicorn), app, "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
                        "--timeout", "120", "--graceful-timeout", "5", "--access-logfile", "-" if os.environ.get("BENCH_ACCESS_LOG") else "/dev/null"]
        self.env, self.cwd, self.log = env, cwd, log
        self.process = None

    def __enter__(self):
        self.logfile = open(self.log, "ab")
        self.process = subprocess.Popen(self.command, env=self.env, cwd=self.cwd, stdout=self.logfile, stderr=self.logfile,
                                        start_new_session=True)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.process.returncode}); see {self.log}")
            try:
                status, _h, _b = request("GET", self.port, self.health)
                if status == 200 and len(self.worker_pids()) >= self.workers:
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer within 60 s; see {self.log}")

    def worker_pids(self):
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    status = (entry / "status").read_text()
                except OSError:
                    continue
                if re.search(rf"^PPid:\s+{self.process.pid}$", status, re.M):
                    pids.append(int(entry.name))
        return pids

    def peak_rss_mb(self):
        return max((peak_rss_mb(pid) or 0 for pid in self.worker_pids()), default=None)

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.logfile.close()


def peak_rss_mb(pid):
    """VmHWM: the most resident memory the process ever had, in MiB."""
    try:
        match = re.search(r"^VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.M)
    except OSError:
        return None
    return round(int(match.group(1)) / 1024, 1) if match else None


def request(method, port, path, *, body=None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request(method, path, body=body, headers={"Host": f"127.0.0.1:{port}", **PROXY_HEADERS, **(headers or {})})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def cookies_from(headers, jar=None):
    jar = dict(jar or {})
    for value in headers.get_all("Set-Cookie") or []:
        name, _sep, rest = value.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]
    return jar


def cookie_header(jar):
    return "; ".join(f"{name}={value}" for name, value in jar.items())


def csrf_from(html: bytes) -> str:
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if not match:
        raise RuntimeError("no CSRF token in the page")
    return match.group(1).decode()


def login(port, username, password, *, path="/login/"):
    """Sign in through the login form; returns the cookie jar (csrftoken, sessionid)."""
    status, headers, html = request("GET", port, path)
    jar = cookies_from(headers)
    token = csrf_from(html)
    body = urllib.parse.urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token})
    status, headers, _ = request("POST", port, path, body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie_header(jar),
        "Origin": f"https://127.0.0.1:{port}", "Referer": f"https://127.0.0.1:{port}{path}"})
    jar = cookies_from(headers, jar)
    if status != 302 or "sessionid" not in jar:
        raise RuntimeError(f"login of {username} failed ({status})")
    return jar


def form_token(port, jar, path):
    """The CSRF token a form page hands this session (for a POST replayed by hey)."""
    status, headers, html = request("GET", port, path, headers={"Cookie": cookie_header(jar)})
    if status != 200:
        raise RuntimeError(f"GET {path} answered {status}")
    return csrf_from(html), cookies_from(headers, jar)


def hey_binary():
    found = shutil.which("hey")
    if not found:
        raise SystemExit("hey is not installed: apt-get install -y hey (scripts/bench.sh does it when run as root)")
    return found


def hey(port, path, *, seconds, concurrency, method="GET", headers=None, body=None, content_type=None,
        ok=(200,), workdir: Path):
    """Drive one URL for `seconds` with `concurrency` clients; returns rps and latency percentiles (ms)."""
    command = [hey_binary(), "-z", f"{seconds}s", "-c", str(concurrency), "-o", "csv", "-disable-redirects", "-m", method, "-t", "120"]
    for name, value in {**PROXY_HEADERS, **(headers or {})}.items():
        command += ["-H", f"{name}: {value}"]
    if body is not None:
        body_file = workdir / "body.tmp"
        body_file.write_bytes(body if isinstance(body, bytes) else body.encode())
        command += ["-D", str(body_file), "-T", content_type or "application/x-www-form-urlencoded"]
    command.append(f"http://127.0.0.1:{port}{path}")
    done = subprocess.run(command, capture_output=True, check=True)
    rows = list(csv.DictReader(io.StringIO(done.stdout.decode())))
    if not rows:
        # Every request timed out (hey lists only answered ones): nothing was served in the run.
        return {"rps": 0.0, "p50_ms": None, "p95_ms": None, "p99_ms": None, "requests": 0, "errors": concurrency,
                "statuses": {"timeout": concurrency}}
    latencies = sorted(float(row["response-time"]) * 1000 for row in rows)
    span = max(float(row["offset"]) + float(row["response-time"]) for row in rows)
    statuses = {}
    for row in rows:
        statuses[row["status-code"]] = statuses.get(row["status-code"], 0) + 1
    bad = sum(n for code, n in statuses.items() if int(code) not in ok)
    return {
        "rps": round(len(rows) / span, 2),
        "p50_ms": round(percentile(latencies, 50), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        "requests": len(rows),
        "errors": bad,
        "statuses": statuses,
    }
