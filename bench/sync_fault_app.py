"""Balise's app with one fault added for bench/sync_faults.py: after ``/api/sync`` has
committed and before its answer leaves, the process dies (``os._exit``) with the
probability ``BALISE_BENCH_EXIT_AFTER_COMMIT``. That is the ambiguous case a retry must
survive: the records are stored, the device never heard so. Kept out of ``src/``: the
product has no fault switch.
"""

from __future__ import annotations

import os
import random
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

from balise.web.app import create_app as balise_app


def create_app() -> FastAPI:
    app = balise_app()
    rate = float(os.environ.get("BALISE_BENCH_EXIT_AFTER_COMMIT", "0"))

    @app.middleware("http")
    async def exit_after_commit(request: Request,
                                call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        # call_next returns once the route has returned, i.e. after receive_batch's commit.
        if request.url.path == "/api/sync" and response.status_code == 200 \
                and random.random() < rate:
            os._exit(137)
        return response

    return app
