"""Digests that need nothing heavy: of bytes, of the package's code, of the libraries.

Kept apart from `fingerprint.py` (which reads the figures with pandas) so that a build with
nothing to do can tell so without importing pandas (`pipeline/settled.py`)."""

from __future__ import annotations

import hashlib
import sys
from functools import lru_cache

from stpreport import __version__
from stpreport.paths import PACKAGE_DIR

PACKAGE_SUFFIXES = {".py", ".j2", ".css", ".json"}
LIBRARIES = (
    "papermill",
    "nbconvert",
    "nbclient",
    "typst",
    "matplotlib",
    "pandas",
    "numpy",
    "scipy",
)
"""The libraries whose versions an edition's manifest records."""


def digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()[:16]


@lru_cache(maxsize=1)
def package_fingerprint() -> str:
    """The package's code and templates (not its bundled figures, which are inputs)."""
    parts = [__version__.encode()]
    for path in sorted(PACKAGE_DIR.rglob("*")):
        if (
            path.suffix in PACKAGE_SUFFIXES
            and "_project" not in path.parts
            and "__pycache__" not in path.parts
        ):
            parts += [str(path.relative_to(PACKAGE_DIR)).encode(), path.read_bytes()]
    return digest(*parts)


@lru_cache(maxsize=1)
def library_versions() -> dict[str, str]:
    """stpreport's, Python's and the libraries' versions, as the manifest records them."""
    from importlib.metadata import version

    return {"stpreport": __version__, "python": sys.version.split()[0]} | {
        n: version(n) for n in LIBRARIES
    }
