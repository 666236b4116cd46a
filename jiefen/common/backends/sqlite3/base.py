"""Django's SQLite backend, with writers queueing for the write lock.

SQLite lets one connection write at a time. A writer that finds the lock taken waits in
SQLite's busy handler, which sleeps and polls with growing pauses (1, 2, 5, 10, 15, 20, 25 …
ms): under a steady stream of short write transactions a waiter keeps waking after the lock
has been passed to someone else, the lock sits idle while waiters sleep, and a few of them
wait hundreds of milliseconds. Here each write transaction (Django opens them with
BEGIN IMMEDIATE, see the settings) first takes an exclusive `flock` on a file beside the
database, which the kernel hands to the next waiter the moment it is released, so writers
from every process (web workers, the background worker, the scheduler) queue in turn and the
lock never idles. The flock is released with the transaction's COMMIT or ROLLBACK, and by the
kernel if the process dies.

Within one process, connections (threads) queue on a lock first, with the connection's busy
timeout: a file lock taken twice by one process through two connections would otherwise wait
for itself. Between processes a writer waits as long as the transactions before it take, not
the busy timeout: a slow writer delays the others rather than failing them, and a web request
stuck behind one is bounded by the server's worker timeout. Statements outside transactions,
and connections that do not use this backend, still meet SQLite's own busy handler.
"""

import fcntl
import os
import threading

from django.db.backends.sqlite3 import base
from django.db.utils import OperationalError

# One lock file per database per process: {path: (pid, fd)}; opened again after a fork.
_lock_files: dict[str, tuple[int, int]] = {}
_in_process: dict[str, threading.Lock] = {}
_registry_lock = threading.Lock()


def _writer_lock(path: str) -> tuple[threading.Lock, int]:
    with _registry_lock:
        opened = _lock_files.get(path)
        if opened is None or opened[0] != os.getpid():
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            _lock_files[path] = (os.getpid(), fd)
            _in_process[path] = threading.Lock()
        return _in_process[path], _lock_files[path][1]


class DatabaseWrapper(base.DatabaseWrapper):
    _holding_writer_lock = None  # (thread lock, fd) while this connection's transaction holds it

    def get_connection_params(self):
        params = super().get_connection_params()
        self.writer_lock_timeout = float(params.get("timeout", 5.0))
        return params

    def writer_lock_path(self) -> str | None:
        """The lock file beside a file database; None for an in-memory one (one process only)."""
        if self.is_in_memory_db():
            return None
        return f"{os.fspath(self.settings_dict['NAME'])}-writer.lock"

    def _start_transaction_under_autocommit(self):
        if self.transaction_mode not in ("IMMEDIATE", "EXCLUSIVE"):
            return super()._start_transaction_under_autocommit()
        path = self.writer_lock_path()
        if path is None:
            return super()._start_transaction_under_autocommit()
        local, fd = _writer_lock(path)
        if not local.acquire(timeout=getattr(self, "writer_lock_timeout", 5.0)):
            raise OperationalError("database is locked")
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            local.release()
            raise
        self._holding_writer_lock = (local, fd)
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_writer_lock()
            raise

    def _release_writer_lock(self):
        held, self._holding_writer_lock = self._holding_writer_lock, None
        if held is not None:
            local, fd = held
            fcntl.flock(fd, fcntl.LOCK_UN)
            local.release()

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._release_writer_lock()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release_writer_lock()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._release_writer_lock()
