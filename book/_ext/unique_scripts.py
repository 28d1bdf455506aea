"""Sphinx extension: include each script only once per page.

sphinx-thebe (loaded by Jupyter Book 1) adds an inline script declaring
``const THEBE_JS_URL`` with ``app.add_js_file`` after the HTML builder has started. With Sphinx 7
that script ends up twice in every page, and the second copy throws "Identifier 'THEBE_JS_URL'
has already been declared" in the browser. This extension removes exact duplicates (same file,
same inline body, same attributes) from each page's script list, keeping the first.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx


def _key(script: Any) -> tuple:
    # Inline scripts come with a filename of None or "" depending on how they were added.
    filename = getattr(script, "filename", script) or ""
    attributes = getattr(script, "attributes", {}) or {}
    return (str(filename), tuple(sorted((k, str(v)) for k, v in attributes.items())))


def drop_duplicate_scripts(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    """Keep the first copy of each script in the page context."""
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        key = _key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the extension."""
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
