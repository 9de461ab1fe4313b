"""How the bot runs waitress: its "Task queue depth" warning once per moment of backlog, not once per request; a
loop thread that gives way to a response being written instead of spinning on it; and a burst of new connections
taken in a turn or two of that loop, not one a turn, with room for more than 100."""

from __future__ import annotations

import logging
import socket
import threading
import time
from typing import Any

import pytest

from bot.slack import http
from bot.slack.http import HttpServer, QueueDepthLog


def _server() -> Any:
    server = HttpServer(lambda environ, start_response: [], host="127.0.0.1", port=0, threads=1)  # type: ignore[arg-type]
    return server.server


def test_a_backlog_of_a_hundred_requests_is_one_warning_with_its_depth(caplog: pytest.LogCaptureFixture) -> None:
    server = _server()
    dispatcher = server.task_dispatcher
    try:
        dispatcher.set_thread_count(0)  # nothing takes the tasks: each one added finds every thread busy
        deadline = time.monotonic() + 5
        while dispatcher.threads and time.monotonic() < deadline:  # its one thread stops on its own time
            time.sleep(0.01)
        assert not dispatcher.threads
        with caplog.at_level(logging.WARNING, logger="waitress.queue"):
            for _ in range(100):
                dispatcher.add_task(object())
        warnings = [r.getMessage() for r in caplog.records if r.name == "waitress.queue"]
        assert len(warnings) == 1
        assert warnings[0].startswith("Task queue depth is 1 ")  # the first request that found no free thread
    finally:
        dispatcher.queue.clear()
        server.close()


def test_the_next_warning_after_the_pause_tells_the_deepest_queue_since(caplog: pytest.LogCaptureFixture) -> None:
    sparing = QueueDepthLog(logging.getLogger("waitress.queue"), every=0.2)
    with caplog.at_level(logging.WARNING, logger="waitress.queue"):
        for depth in (3, 40, 7):
            sparing.warning("Task queue depth is %d", depth)
        time.sleep(0.25)
        sparing.warning("Task queue depth is %d", 2)
    warnings = [r.getMessage() for r in caplog.records if r.name == "waitress.queue"]
    assert [w.split(" (")[0] for w in warnings] == ["Task queue depth is 3", "Task queue depth is 40"]


def test_the_loop_gives_the_interpreter_to_a_response_being_written_instead_of_spinning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = _server()
    try:
        assert server.channel_class is http._channel_class()
        channel = object.__new__(server.channel_class)  # the state handle_write reads, without a socket
        channel.outbuf_lock = threading.Condition()
        channel.total_outbufs_len = 120  # a response written, not sent yet
        channel.adj = server.adj
        sent: list[bool] = []

        def send(do_close: bool = True) -> bool:
            sent.append(do_close)
            channel.total_outbufs_len = 0
            return True

        channel._flush_some = send
        sleeps: list[float] = []
        monkeypatch.setattr(http.time, "sleep", sleeps.append)
        holding, release = threading.Event(), threading.Event()

        def writer() -> None:  # the request's thread, inside waitress's write_soon
            with channel.outbuf_lock:
                holding.set()
                release.wait(5)

        thread = threading.Thread(target=writer)
        thread.start()
        holding.wait(5)
        channel._flush_some_if_lockable()
        assert (sent, sleeps) == ([], [0])  # the lock is the writer's: the loop yields instead of going round
        release.set()
        thread.join(5)
        channel._flush_some_if_lockable()
        assert (sent, sleeps) == ([True], [0])  # free: the loop sends, and has nothing left to wait for
    finally:
        server.close()


def test_a_burst_of_connections_is_taken_in_a_few_turns_of_the_loop_and_none_is_kept_waiting() -> None:
    # waitress takes one connection per turn of its loop, and each turn waits for the interpreter behind every busy
    # thread: under a burst of 100 new connections, with listeners at work, the last were taken 300 ms after the
    # first (bench/load.py, timestamps inside the bot). And past 100 open connections (its listening socket and its
    # trigger included) it takes none until others close: the last two of 100 clients waited half a second.
    server = _server()
    clients = []
    try:
        for _ in range(150):  # each connect returns once the kernel has the connection queued for accept()
            client = socket.create_connection(("127.0.0.1", server.effective_port), timeout=5)
            clients.append(client)
        before = len(server._map)
        turns = 0
        while len(server._map) - before < 150 and turns < 10:
            assert server.readable()  # still accepting
            server.handle_read_event()  # what one turn of the loop does with a readable listening socket
            turns += 1
        assert len(server._map) - before == 150
        assert turns <= 2
    finally:
        for client in clients:
            client.close()
        server.close()
        for channel in list(server._map.values()):
            channel.close()
