"""The static files' storage: each file with a gzip and a Brotli copy beside it (WhiteNoise
sends the one the browser accepts), compressed again only when the file changed.

Uncompressed, the first page a phone opened fetched 460 KB of Bootstrap, its icons and htmx;
compressed, about 90 KB. ``fangkong serve`` runs ``collectstatic`` at every start, and
compressing every file again there took ~30 s of CPU on a 2-core box: a file whose copy
carries its own modification time (WhiteNoise gives it that) is left as it is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from whitenoise.storage import CompressedStaticFilesStorage


class StaticFilesStorage(CompressedStaticFilesStorage):
    def post_process(self, paths: dict[str, Any], dry_run: bool = False, **options: Any):
        changed = {path: value for path, value in paths.items() if not self.compressed(path)}
        yield from super().post_process(changed, dry_run=dry_run, **options)

    def compressed(self, path: str) -> bool:
        """Whether ``path`` has a compressed copy as new as itself (gzip: always written
        where compressing helps at all)."""
        source = Path(self.path(path))
        try:
            copy = source.with_name(source.name + ".gz").stat()
            return copy.st_mtime == source.stat().st_mtime
        except FileNotFoundError:
            return False
