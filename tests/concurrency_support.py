"""Running service calls from several threads at once, each on its own database connection.

On PostgreSQL every thread simply opens its own connection to the test database.

SQLite needs help: the test database is an in-memory database in shared-cache mode, where a
second writer gets SQLITE_LOCKED ("database table is locked") at once instead of waiting on
busy_timeout, so it cannot show how writers queue in production (a WAL file database with
BEGIN IMMEDIATE and busy_timeout). For SQLite the `concurrent_db` fixture therefore points the
test (and every thread it starts) at a fresh file database, copied from a template that was
migrated once per session, and puts the in-memory connection back afterwards.
"""

import shutil
import threading

import pytest
from django.core.management import call_command
from django.db import connections
from django.db.utils import load_backend


class Concurrency:
    def __init__(self, settings_dict=None):
        self.settings_dict = settings_dict  # None: use the ordinary test database

    def _connect_this_thread(self):
        if self.settings_dict is not None:
            backend = load_backend(self.settings_dict["ENGINE"])
            connections["default"] = backend.DatabaseWrapper(dict(self.settings_dict), "default")

    def run(self, *callables, timeout=30):
        """Run each callable in its own thread, all released together by a barrier.

        Returns one (result, exception) pair per callable, in order.
        """
        barrier = threading.Barrier(len(callables))
        outcomes = [None] * len(callables)

        def worker(index, function):
            try:
                self._connect_this_thread()
                barrier.wait(timeout=timeout)
                outcomes[index] = (function(), None)
            except Exception as exc:  # noqa: BLE001 - the test inspects it
                outcomes[index] = (None, exc)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=worker, args=(i, f), daemon=True) for i, f in enumerate(callables)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=timeout)
            assert not thread.is_alive(), "a worker thread hung (lock wait without timeout?)"
        return outcomes


@pytest.fixture(scope="session")
def _sqlite_template(django_db_setup, django_db_blocker, tmp_path_factory):
    """A migrated SQLite file database to copy for each concurrent test (SQLite only)."""
    connection = connections["default"]
    if connection.vendor != "sqlite":
        return None
    path = tmp_path_factory.mktemp("concurrency") / "template.sqlite3"
    settings_dict = {**connection.settings_dict, "NAME": str(path)}
    backend = load_backend(settings_dict["ENGINE"])
    original = connections["default"]
    wrapper = backend.DatabaseWrapper(settings_dict, "default")
    with django_db_blocker.unblock():
        connections["default"] = wrapper
        try:
            call_command("migrate", verbosity=0, interactive=False)
            with wrapper.cursor() as cursor:
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            wrapper.close()
            connections["default"] = original
    return settings_dict


@pytest.fixture
def concurrent_db(transactional_db, _sqlite_template, tmp_path):
    """Committed data visible to other threads, and a `Concurrency` helper to start them."""
    if _sqlite_template is None:
        yield Concurrency()
        return
    path = tmp_path / "concurrent.sqlite3"
    shutil.copyfile(_sqlite_template["NAME"], path)
    settings_dict = {**_sqlite_template, "NAME": str(path)}
    helper = Concurrency(settings_dict)
    original = connections["default"]
    backend = load_backend(settings_dict["ENGINE"])
    wrapper = backend.DatabaseWrapper(dict(settings_dict), "default")
    connections["default"] = wrapper
    try:
        yield helper
    finally:
        wrapper.close()
        connections["default"] = original
