"""On SQLite, write transactions queue on a file lock beside the database
(jiefen/common/backends/sqlite3): a writer waits its turn, from another thread or another
process, and is let in as soon as the one before it commits or rolls back."""

import fcntl
import multiprocessing
import os
import sqlite3
import threading
import time

import pytest
from django.conf import settings
from django.db import OperationalError, connections, transaction
from django.db.utils import load_backend

ENGINE = "jiefen.common.backends.sqlite3"
ALIAS = "queue_test"


def wrapper_for(path, timeout=10):
    backend = load_backend(ENGINE)
    settings_dict = {
        "ENGINE": ENGINE,
        "NAME": str(path),
        "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE", "timeout": timeout},
        "ATOMIC_REQUESTS": False,
        "AUTOCOMMIT": True,
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": False,
        "TIME_ZONE": None,
        "USER": "",
        "PASSWORD": "",
        "HOST": "",
        "PORT": "",
        "TEST": {},
    }
    return backend.DatabaseWrapper(settings_dict, ALIAS)


def atomic(wrapper):
    """transaction.atomic on this connection (connections are per thread, so register it here)."""
    connections[ALIAS] = wrapper
    return transaction.atomic(using=ALIAS)


@pytest.fixture
def database(tmp_path, django_db_blocker):
    django_db_blocker.unblock()
    path = tmp_path / "queue.sqlite3"
    path = tmp_path / "queue.sqlite3"
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA journal_mode=WAL")
        raw.execute("CREATE TABLE step (id INTEGER PRIMARY KEY, who TEXT, at REAL)")
    yield path
    django_db_blocker.restore()


def write(wrapper, who):
    with wrapper.cursor() as cursor:
        cursor.execute("INSERT INTO step (who, at) VALUES (%s, %s)", [who, time.monotonic()])


def steps(path):
    with sqlite3.connect(path) as raw:
        return [row[0] for row in raw.execute("SELECT who FROM step ORDER BY id")]


def lock_is_free(path) -> bool:
    fd = os.open(f"{path}-writer.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def test_sqlite_databases_use_the_queueing_backend():
    if settings.DATABASES["default"]["ENGINE"] != ENGINE:
        pytest.skip("the suite runs on PostgreSQL")
    assert settings.DATABASES["default"]["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_a_second_writer_waits_for_the_first_to_commit(database):
    first = wrapper_for(database)
    inside, waited = threading.Event(), {}

    def later_writer():
        second = wrapper_for(database)
        inside.wait(5)
        started = time.monotonic()
        with atomic(second):
            waited["seconds"] = time.monotonic() - started
            write(second, "second")
        second.close()

    thread = threading.Thread(target=later_writer)
    thread.start()
    with atomic(first):
        write(first, "first")
        inside.set()
        time.sleep(0.3)
        write(first, "first again")
    thread.join(10)
    first.close()
    assert steps(database) == ["first", "first again", "second"]
    assert waited["seconds"] >= 0.25
    assert lock_is_free(database)


def test_the_lock_is_released_by_a_rollback_and_by_a_failed_transaction(database):
    wrapper = wrapper_for(database)
    with pytest.raises(ZeroDivisionError):
        with atomic(wrapper):
            write(wrapper, "undone")
            assert not lock_is_free(database)
            1 / 0
    assert lock_is_free(database)
    with atomic(wrapper):
        write(wrapper, "kept")
    wrapper.close()
    assert steps(database) == ["kept"]
    assert lock_is_free(database)


def test_a_writer_in_the_same_process_gives_up_after_the_timeout(database):
    holder = wrapper_for(database)
    outcome = {}

    def try_to_write():
        impatient = wrapper_for(database, timeout=0.2)
        try:
            with atomic(impatient):
                write(impatient, "impatient")
        except OperationalError as error:
            outcome["error"] = str(error)
        finally:
            impatient.close()

    with atomic(holder):
        write(holder, "holder")
        thread = threading.Thread(target=try_to_write)
        thread.start()
        thread.join(5)
    holder.close()
    assert outcome == {"error": "database is locked"}
    assert steps(database) == ["holder"]


def _hold_in_another_process(path, ready, hold_seconds):
    import django

    django.setup()
    wrapper = wrapper_for(path)
    with atomic(wrapper):
        write(wrapper, "other process")
        ready.set()
        time.sleep(hold_seconds)
        write(wrapper, "other process again")
    wrapper.close()


def test_writers_in_different_processes_queue(database):
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    other = context.Process(target=_hold_in_another_process, args=(database, ready, 0.5))
    other.start()
    try:
        assert ready.wait(30), "the other process did not start its transaction"
        assert not lock_is_free(database)
        wrapper = wrapper_for(database)
        with atomic(wrapper):
            write(wrapper, "this process")
        wrapper.close()
    finally:
        other.join(30)
    assert other.exitcode == 0
    assert steps(database) == ["other process", "other process again", "this process"]


def test_an_in_memory_database_takes_no_file_lock():
    wrapper = wrapper_for(":memory:")
    assert wrapper.writer_lock_path() is None
    wrapper.close()
