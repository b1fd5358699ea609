"""The job queue: highest priority first, then arrival order. The worker thread blocks on it."""

from __future__ import annotations

import heapq
import threading

from .job import Job


class JobQueue:
    def __init__(self) -> None:
        self._heap: list[tuple[tuple[int, int], Job]] = []
        self._cond = threading.Condition()
        self._closed = False

    def put(self, job: Job) -> None:
        with self._cond:
            heapq.heappush(self._heap, (job.sort_key(), job))
            self._cond.notify()

    def get(self) -> Job | None:
        """Blocks until a job is ready; None once the queue is closed."""
        with self._cond:
            while True:
                while self._heap and self._heap[0][1].cancel_requested.is_set():
                    heapq.heappop(self._heap)  # cancelled while waiting: already reported
                if self._heap:
                    return heapq.heappop(self._heap)[1]
                if self._closed:
                    return None
                self._cond.wait()

    def remove(self, job: Job) -> bool:
        with self._cond:
            for i, (_, queued) in enumerate(self._heap):
                if queued is job:
                    self._heap.pop(i)
                    heapq.heapify(self._heap)
                    return True
            return False

    def waiting(self) -> list[Job]:
        """Queued jobs in the order they will run."""
        with self._cond:
            return [job for _, job in sorted(self._heap, key=lambda item: item[0])]

    def position(self, job: Job) -> int:
        with self._cond:
            key = job.sort_key()
            return sum(1 for k, j in self._heap if k < key and j is not job)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
