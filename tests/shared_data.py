"""Where the project's shared benchmark data lives (``../shared`` beside the checkout).

CI clones the repository elsewhere, so the folder is looked up in order: the
``BALISE_SHARED_DIR`` variable (the Makefile sets it), the folder beside this checkout,
then ``/work/shared``. A missing folder fails the tests that need it; it never skips.
"""

from __future__ import annotations

import os
from pathlib import Path


def shared_dir() -> Path:
    candidates = [Path(p) for p in (os.environ.get("BALISE_SHARED_DIR"),) if p]
    candidates += [Path(__file__).resolve().parents[2] / "shared", Path("/work/shared")]
    for candidate in candidates:
        if (candidate / "data").is_dir():
            return candidate
    raise RuntimeError(f"the shared data folder was not found in {candidates}")


SHARED = shared_dir()
