"""AWS request ids."""

from __future__ import annotations

import itertools
import os

# Request ids are UUID-shaped, unique in the process: a random prefix chosen at import and a counter
# (uuid4() costs about 4 us, a quarter of an in-process SendMessage).
_ID_PREFIX = os.urandom(10).hex()
_ID_PREFIX = f"{_ID_PREFIX[:8]}-{_ID_PREFIX[8:12]}-4{_ID_PREFIX[13:16]}-a{_ID_PREFIX[17:20]}-"
_id_counter = itertools.count(1)


def request_id() -> str:
    return f"{_ID_PREFIX}{next(_id_counter):012x}"
