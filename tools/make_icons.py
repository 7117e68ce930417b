"""Make the app icons (static/walkback/icons/*.png) from WalkBack's own mark, the path in
static/walkback/favicon.svg. Run after changing the mark, and commit the PNGs:

    .venv/bin/python tools/make_icons.py

The PNGs are committed rather than made at build time so that `make demo` and the Docker image
need no browser; the script draws them with the Chromium the browser tests already use
(WALKBACK_BROWSER, default /usr/bin/chromium), so it adds no dependency. docs/offline.md.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARK = ROOT / "static" / "walkback" / "favicon.svg"
OUT = ROOT / "static" / "walkback" / "icons"
CHROMIUM = os.environ.get("WALKBACK_BROWSER", "/usr/bin/chromium")
BLUE = "#0b5cad"


def mark_path() -> str:
    """The walking line of the mark (its only path), so the icons cannot drift from it."""
    found = re.search(r'<path d="([^"]+)"', MARK.read_text())
    if not found:
        raise SystemExit(f"no <path d=...> in {MARK}")
    return found.group(1)


def svg(*, maskable: bool) -> str:
    """The mark on a 32-unit square. 'any' keeps the favicon's rounded square; 'maskable'
    fills the whole square (the phone cuts its own shape) and shrinks the line to 60% so it
    stays inside the safe circle (the middle 80%) whatever shape the phone cuts."""
    background = (
        f'<rect width="32" height="32" fill="{BLUE}"/>'
        if maskable
        else f'<rect width="32" height="32" rx="6" fill="{BLUE}"/>'
    )
    line = (
        f'<path d="{mark_path()}" stroke="#fff" stroke-width="3" fill="none" '
        'stroke-linecap="round" stroke-linejoin="round"/>'
    )
    if maskable:
        line = f'<g transform="translate(16 16) scale(0.6) translate(-16 -16)">{line}</g>'
    return f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">{background}{line}</svg>'


ICONS = [
    ("icon-192.png", 192, False),
    ("icon-512.png", 512, False),
    ("icon-maskable-192.png", 192, True),
    ("icon-maskable-512.png", 512, True),
    # iOS ignores the manifest's icons and rounds this one itself, so it is full-bleed.
    ("apple-touch-icon.png", 180, True),
]


def main() -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for name, size, maskable in ICONS:
            page = browser.new_page(viewport={"width": size, "height": size})
            page.set_content(
                "<!doctype html><html><body style='margin:0;background:transparent'>"
                f"<div style='width:{size}px;height:{size}px'>"
                f"{svg(maskable=maskable).replace('<svg ', f'<svg width={size} height={size} ')}"
                "</div></body></html>"
            )
            page.screenshot(path=str(OUT / name), omit_background=True)
            page.close()
            print(f"wrote {OUT / name} ({size}x{size})")
        browser.close()


if __name__ == "__main__":
    main()
