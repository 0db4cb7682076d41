"""The serve load generator, briefly: each run asserts that every request got a 200 and that the
queue holds exactly as many messages as were answered (serve_load.run). The numbers come from
``python benchmarks/serve_load.py``; timings are never asserted."""

from __future__ import annotations

import pytest

from serve_load import available, run


@pytest.mark.parametrize("server", ["pymsg", "moto"])
def test_sendmessage_load_is_answered_and_counted(server: str) -> None:
    why = available(server)
    if why:
        pytest.skip(why)
    (rate,) = run(server, seconds=0.5, connections=2, rounds=1)
    assert rate > 0
