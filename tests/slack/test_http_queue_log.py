"""waitress's "Task queue depth" warning: once per moment of backlog, not once per request."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest

from bot.slack.http import HttpServer, QueueDepthLog


def _server() -> Any:
    server = HttpServer(lambda environ, start_response: [], host="127.0.0.1", port=0, threads=1)  # type: ignore[arg-type]
    return server.server


def test_a_backlog_of_a_hundred_requests_is_one_warning_with_its_depth(caplog: pytest.LogCaptureFixture) -> None:
    server = _server()
    dispatcher = server.task_dispatcher
    try:
        dispatcher.set_thread_count(0)  # nothing takes the tasks: each one added finds every thread busy
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
