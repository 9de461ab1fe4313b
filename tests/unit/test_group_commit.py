"""Group commit (bot.slack.group_commit): alone a request is written at once; those that arrive during a write are
written together by the next one, each gets its own result, and a failed write fails exactly its own callers."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import pytest

from bot.slack.group_commit import GroupCommit


class Writer:
    """Records each write; the first one waits for `release` once `hold_first` is set."""

    def __init__(self, *, hold_first: bool = False, fail_on: str | None = None) -> None:
        self.writes: list[list[str]] = []
        self.started = threading.Event()
        self.release = threading.Event()
        self.hold_first = hold_first
        self.fail_on = fail_on

    def __call__(self, items: Sequence[str]) -> list[str]:
        self.writes.append(list(items))
        if self.hold_first and len(self.writes) == 1:
            self.started.set()
            assert self.release.wait(5)
        if self.fail_on is not None and self.fail_on in items:
            raise RuntimeError(f"refused {self.fail_on}")
        return [item.upper() for item in items]


def submit_in_threads(group: GroupCommit[str, str], items: list[str]) -> dict[str, str | BaseException]:
    outcomes: dict[str, str | BaseException] = {}
    lock = threading.Lock()

    def run(item: str) -> None:
        try:
            outcome: str | BaseException = group.submit(item)
        except Exception as error:
            outcome = error
        with lock:
            outcomes[item] = outcome

    threads = [threading.Thread(target=run, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    return outcomes


def wait_until_queued(group: GroupCommit[str, str], count: int) -> None:
    for _ in range(500):
        if len(group._queue) >= count:
            return
        threading.Event().wait(0.01)
    raise AssertionError(f"{count} items never queued")


def during_a_held_write(
    group: GroupCommit[str, str], writer: Writer, items: list[str]
) -> dict[str, str | BaseException]:
    """Submit `items` while a first write ("first") is held, then let it go; each item's outcome."""
    first = threading.Thread(target=group.submit, args=("first",))
    first.start()
    assert writer.started.wait(5)
    later: dict[str, str | BaseException] = {}
    waiting = threading.Thread(target=lambda: later.update(submit_in_threads(group, items)))
    waiting.start()
    wait_until_queued(group, len(items))
    writer.release.set()
    waiting.join(5)
    first.join(5)
    return later


def test_alone_a_request_is_written_at_once_in_a_write_of_its_own() -> None:
    writer = Writer()
    group = GroupCommit(writer)
    assert group.submit("a") == "A"
    assert group.submit("b") == "B"
    assert writer.writes == [["a"], ["b"]]


def test_requests_arriving_during_a_write_are_written_together_each_with_its_own_result() -> None:
    writer = Writer(hold_first=True)
    group = GroupCommit(writer)
    later = during_a_held_write(group, writer, ["b", "c", "d", "e"])
    assert writer.writes[0] == ["first"]
    assert sorted(writer.writes[1]) == ["b", "c", "d", "e"] and len(writer.writes) == 2  # one write for all four
    assert later == {"b": "B", "c": "C", "d": "D", "e": "E"}


def test_a_write_takes_at_most_so_many_and_the_rest_go_in_the_next() -> None:
    writer = Writer(hold_first=True)
    group = GroupCommit(writer, most=2)
    later = during_a_held_write(group, writer, ["b", "c", "d", "e", "f"])
    assert [len(write) for write in writer.writes] == [1, 2, 2, 1]
    assert later == {item: item.upper() for item in "bcdef"}


def test_a_failed_write_fails_its_own_callers_only() -> None:
    writer = Writer(hold_first=True, fail_on="bad")
    group = GroupCommit(writer, most=2)
    later = during_a_held_write(group, writer, ["bad", "x", "y", "z"])
    failed = {item for item, outcome in later.items() if isinstance(outcome, RuntimeError)}
    batch_with_bad = next(write for write in writer.writes if "bad" in write)
    assert failed == set(batch_with_bad)
    assert all(later[item] == item.upper() for item in later if item not in failed)
    assert group.submit("after") == "AFTER"  # and the next write goes on


def test_a_write_that_returns_the_wrong_number_of_results_is_an_error_not_a_mix_up() -> None:
    group: GroupCommit[str, str] = GroupCommit(lambda items: ["only one", "too many"])
    with pytest.raises(RuntimeError, match="2 results for 1 items"):
        group.submit("a")
