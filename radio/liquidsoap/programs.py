"""The outside programs a station runs, found on PATH, with one clear message when one is missing."""

from __future__ import annotations

import shutil

INSTALL_HINT = "install the Debian packages with `apt-get install -y liquidsoap icecast2` (or run `make radio` as root)"


class MissingProgram(RuntimeError):
    """A program the radio needs is not installed."""


def program_path(name: str) -> str | None:
    """Absolute path of `name` on PATH, or None."""
    return shutil.which(name)


def require_program(name: str) -> str:
    """Absolute path of `name`; raises MissingProgram saying what to install when it is absent."""
    path = program_path(name)
    if path is None:
        raise MissingProgram(f"`{name}` is not installed: {INSTALL_HINT}.")
    return path


def ffmpeg_exe() -> str:
    """The bundled ffmpeg (imageio-ffmpeg), never a system one: its build is the one the project tests."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()
