"""`manage.py warm_audio_cache`: compile librosa's numba kernels once, before several worker processes start.

See monetization.engine.packs_audio.warm_numba_cache for why (a race in numba's on-disk cache that crashes
every later beat tracking). Run it once per machine after installing or upgrading packages.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.core.management.base import BaseCommand

from monetization.engine.packs_audio import warm_numba_cache


class Command(BaseCommand):
    help = "Compile librosa's numba kernels in one process, before several workers use them."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--rebuild",
            action="store_true",
            help="Delete librosa's cached kernels first (a machine where beat tracking crashes has a broken cache).",
        )

    def handle(self, *args, **options) -> None:
        if options["rebuild"]:
            removed = _delete_librosa_kernel_cache()
            self.stdout.write(f"Deleted {removed} cached kernel files.")
        started = time.perf_counter()
        warm_numba_cache()
        self.stdout.write(f"Audio analysis kernels compiled and cached ({time.perf_counter() - started:.1f} s).")


def _delete_librosa_kernel_cache() -> int:
    """numba keeps a package's cache in its __pycache__ folders, or under NUMBA_CACHE_DIR when that is set."""
    import librosa

    roots = [Path(librosa.__file__).parent]
    if os.environ.get("NUMBA_CACHE_DIR"):
        roots.append(Path(os.environ["NUMBA_CACHE_DIR"]))
    removed = 0
    for root in roots:
        for pattern in ("*.nbi", "*.nbc"):
            for path in root.rglob(pattern):
                path.unlink(missing_ok=True)
                removed += 1
    return removed
