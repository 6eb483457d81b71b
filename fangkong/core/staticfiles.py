"""The static files' storage: each file under a name carrying a hash of its content, with a
gzip and a Brotli copy beside it (WhiteNoise sends the one the browser accepts).

Uncompressed, the first page a phone opened fetched 460 KB of Bootstrap, its icons and htmx;
compressed, about 90 KB. Under a plain name WhiteNoise may let a browser keep a file for
60 s only, so after a minute every page asked again for each of its files (a round trip
each, on a slow intranet link); a hashed name never changes content, so WhiteNoise marks it
immutable for ten years and a new release simply links new names.

``fangkong serve`` runs ``collectstatic`` at every start, and compressing every file again
there took ~30 s of CPU on a 2-core box, so a file is compressed again only when it changed:
a hashed name that has its copy is unchanged by definition (Django writes CSS and JS under
their hashed names again at every run, so their times say nothing), a plain name when its
copy carries its own modification time (WhiteNoise gives it that).
"""

from __future__ import annotations

import logging
import posixpath
from pathlib import Path

from whitenoise.storage import CompressedManifestStaticFilesStorage

logger = logging.getLogger(__name__)
_WARNED: set[str] = set()


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def stored_name(self, name: str) -> str:
        """The hashed name the manifest records, else the plain one: a page naming a file
        that ``collectstatic`` has not collected (a server upgraded and started without
        it) links what is there instead of failing."""
        stored = self.hashed_files.get(self.hash_key(self.clean_name(posixpath.normpath(name))))
        if stored is None:
            if name not in _WARNED:
                _WARNED.add(name)
                logger.warning("static file %s is not in the manifest; run collectstatic", name)
            return name
        return stored

    def compress_files(self, paths):
        # Filled by the manifest's pass before WhiteNoise compresses: the names that carry
        # their content's hash.
        hashed = set(self.hashed_files.values())
        yield from super().compress_files([p for p in paths if not self.compressed(p, hashed)])

    def compressed(self, path: str, hashed: set[str]) -> bool:
        """Whether ``path`` has a compressed copy of its current content (gzip: always
        written where compressing helps at all)."""
        source = Path(self.path(path))
        try:
            copy = source.with_name(source.name + ".gz").stat()
            return path in hashed or copy.st_mtime == source.stat().st_mtime
        except FileNotFoundError:
            return False
