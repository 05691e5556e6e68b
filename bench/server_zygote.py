"""Forks Balise servers on demand for bench/faults.py, with everything already imported.

A restart in the fault bench (20 kills and about 50 exits after commit per engine) then
costs a fork, not three seconds of imports and set-up on a two-core machine. Reads one
line per server wanted on stdin and answers the new server's pid on stdout; each server
leads its own process group (``killpg`` takes all of it) and exits as a crash would.

    python bench/server_zygote.py PORT      # environment: BALISE_DATABASE_URL, BALISE_FAULT_*
"""

from __future__ import annotations

import os
import random
import signal
import sys

import uvicorn
from fastapi import FastAPI

from balise.web.app import create_app

LIMIT = 48  # a little above the 40 threads that run the routes' database work


def serve(app: FastAPI, port: int) -> None:
    os.setsid()
    os.dup2(2, 1)  # stdout is the bench's pipe to the zygote: logs go to stderr
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    random.seed()  # forked children would otherwise draw the same faults in step
    # Beyond LIMIT requests at once the server answers 503 at once (the device retries),
    # rather than accepting 200 that it would only begin before the next crash.
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error",
                            access_log=False, limit_concurrency=LIMIT)
    uvicorn.Server(config).run()
    os._exit(0)


def main() -> None:
    port = int(sys.argv[1])
    app = create_app()  # templates and catalogs loaded once, here
    app.state.engine.dispose()  # no database connection crosses a fork
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    for _line in sys.stdin:
        pid = os.fork()
        if pid == 0:
            serve(app, port)
        print(pid, flush=True)


if __name__ == "__main__":
    main()
