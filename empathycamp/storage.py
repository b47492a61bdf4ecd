"""Static files in production: hashed names, compressed copies, and ES module imports rewritten.

The practice page is ES modules served as they are; their `import ... from "./socket.js"` lines
must point at the hashed copies too, or the browser fetches the unhashed names, which WhiteNoise
caches for a minute only, and a deploy can mix old and new modules on one page.
"""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    support_js_module_import_aggregation = True
