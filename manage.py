#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lofi_site.settings")
    # Read by numpy when it loads: transparent huge pages for its large buffers cost the renderer more in
    # memory compaction than they save (bench/render.py measured 36x instead of 50x realtime with them).
    os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
