"""A small soak in the suite: 4 clients x 10 jobs at once, previews on, random cancels of their own
jobs, dropped and resumed Watch streams. Every client gets exactly its own results (pixels equal
to a same-seed reference), nothing is lost or seen twice, and no cancel touches another client's
job. bench/soak.py runs the 16 x 50 version and measures memory."""

from __future__ import annotations

import pytest

from underpaint.testing.soak import soak


@pytest.mark.timeout(2400)  # 44 tiny jobs: seconds on an idle machine, far longer on a loaded one
def test_four_clients_ten_jobs_each_get_exactly_their_own_results(daemon):
    tally = soak(daemon.grpc, clients=4, jobs=10, size=64, steps=2, cancel_rate=0.25, drop_rate=0.4, seed=1,
                 pairs=4)
    assert tally.jobs == 40, tally.problems
    assert (tally.lost, tally.duplicated, tally.crossed) == (0, 0, 0), tally.problems
    assert (tally.foreign, tally.broken) == (0, 0), tally.problems
    # The run did what it claims: some of each disturbance happened, and most jobs finished.
    assert tally.cancelled_by_owner + tally.cancel_raced_the_end >= 1
    assert tally.dropped_streams >= 1 and tally.previews >= tally.succeeded
    assert tally.succeeded + tally.cancelled_by_owner == 40
