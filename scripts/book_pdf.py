"""The whole book as one PDF, from the same executed pages as the HTML book.

    python scripts/book_pdf.py --profile cpu        # _build/pdf/book.pdf (other profiles: _build/pdf/book-<profile>.pdf)

Jupyter Book's single-page builder puts every chapter on one HTML page; a title page and print styles (no navigation,
folded code left out, tables wrapped at the margin, a chapter per new page) are added to a copy of it, and headless
Chromium (Debian's package, the browser the tests use) prints it, driven over its DevTools pipe so the print waits
until MathJax has typeset every formula. Nothing is fetched from a network.
"""

from __future__ import annotations

import argparse
import base64
import html
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

PRINT_CSS = """
@page { size: A4; margin: 16mm 14mm 18mm 14mm; }
@media print {
  .skip-link, .bd-header, .bd-header-article, .header-article, .bd-sidebar-primary, .bd-sidebar-secondary, .bd-footer,
  .bd-footer-article, .prev-next-area, .bd-search, .theme-switch-button, .search-button, .primary-toggle,
  .secondary-toggle, .headerlink, .toggle-details, details.hide, .tag_hide-input > .cell_input, #pst-back-to-top,
  .sidebar-toggle, .article-header-buttons, .bd-toc, #jb-print-docs-body { display: none !important; }
  html, body, .bd-container, .bd-container__inner, .bd-page-width, .bd-main, .bd-content, .bd-article-container,
  .bd-article { max-width: none !important; width: auto !important; margin: 0 !important; padding: 0 !important;
                display: block !important; }
  body { font-size: 10pt; font-variant-ligatures: none; }  /* no fi/ff glyphs: the PDF's text searches as typed */
  span[id^="document-"] { display: block; break-before: page; page-break-before: always; }
  .bd-article section > h1 { display: block !important; }
  img { max-width: 100% !important; height: auto !important; break-inside: avoid; }
  div.cell_output, .output, div.output_area, .highlight, pre { overflow: visible !important; }
  table { font-size: 7.5pt !important; width: 100% !important; table-layout: auto; max-width: 100% !important;
          word-break: normal; overflow-wrap: break-word; }  /* columns as wide as their longest word, no narrower */
  th, td { padding: 2px 4px !important; white-space: normal !important; }
  .admonition, table, figure { break-inside: avoid; }
  h1, h2, h3, h4, .caption, p.caption { break-after: avoid; }
  .title-page { padding-top: 70mm; break-after: page; }
  .title-page .book-title { font-size: 26pt; font-weight: bold; line-height: 1.2; margin-bottom: 12mm; }
  .title-page p { font-size: 12pt; margin: 3mm 0; }
}
"""

#: what the print waits for: MathJax's typesetting (its startup promise), then the number of formulas it drew
TYPESET = ("document.querySelectorAll('details:not(.hide)').forEach(function (d) { d.open = true; });"
           "(window.MathJax && MathJax.startup ? MathJax.startup.promise : Promise.resolve())"
           ".then(function () { return document.querySelectorAll('mjx-container').length; })")


def browser() -> str:
    found = next((shutil.which(b) for b in BROWSERS if shutil.which(b)), None)
    if found is None:
        raise SystemExit("make pdf needs Chromium (Debian: apt-get install chromium); bash .ci/run installs it")
    return found


def title_page(profile: str, results: dict) -> str:
    """The first page: the book, the paper it reproduces, the profile whose pages follow and what holds there."""
    from collapse_lib import chapters, summary

    readable = results and not summary.unreadable(results, chapters.judged())
    head = summary.headline(results, chapters.judged()) if readable else None
    counts = f"<p>{html.escape(summary._counts(head))} at this profile's scale.</p>" if head and head["total"] else ""
    return f"""<div class="title-page">
<p class="book-title">A Closer Look at Model Collapse: a reproduction</p>
<p>of Shi, Wu, Zhang, Zhang, Tao and Qu, <em>A Closer Look at Model Collapse: From a Generalization-to-Memorization
Perspective</em> (arXiv 2509.16499; ICML 2025 Workshop on the Impact of Memorization on Trustworthy Foundation Models,
PMLR 267; a NeurIPS 2025 spotlight per arXiv)</p>
<p>The pages of the <strong>{html.escape(profile)}</strong> profile.</p>
{counts}
<p>Built with collapse_lib and Jupyter Book; cite it with the repository's CITATION.cff.</p>
</div>"""


def printable(page: Path, profile: str, results: dict) -> Path:
    """A copy of the single-page book at the root of the single-page build (its links are relative to that root),
    with the print styles and the title page."""
    text = page.read_text()
    text = text.replace("</head>", f"<style>{PRINT_CSS}</style></head>", 1)
    main = text.find('<article class="bd-article"')
    if main < 0:
        main = text.find("<main")
    start = text.find(">", main) + 1
    text = text[:start] + title_page(profile, results) + text[start:]
    out = next(p for p in page.parents if p.name == "singlehtml") / "_print.html"
    out.write_text(text)
    return out


def singlehtml(folder: Path) -> Path:
    """Jupyter Book's single-page build of ``folder``; the path of the page that holds every chapter."""
    from build_book import install_mathjax

    install_mathjax(folder)
    cmd = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(folder), "--builder", "singlehtml", "-q"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"the single-page build failed: {(proc.stderr or proc.stdout).strip().splitlines()[-1:]}")
    pages = sorted((folder / "_build" / "singlehtml").rglob("intro.html"))
    if not pages:
        raise SystemExit(f"the single-page build wrote no page under {folder / '_build' / 'singlehtml'}")
    return pages[0]


class DevTools:
    """Headless Chromium driven over its DevTools pipe (``--remote-debugging-pipe``: commands on fd 3, replies on fd
    4, each a JSON message ended by a NUL byte): no network port, no client library."""

    def __init__(self, timeout: float):
        self.deadline = time.monotonic() + timeout
        self._next, self._buffer = 0, b""
        cmd_r, self._cmd_w = os.pipe()
        self._reply_r, reply_w = os.pipe()
        self._profile = tempfile.mkdtemp(prefix="book-pdf-")

        def child_fds():  # Chromium reads commands on fd 3 and writes replies on fd 4
            os.dup2(cmd_r, 100)  # out of the way of 3 and 4 first: either pipe end may be one of them
            os.dup2(reply_w, 101)
            os.dup2(100, 3)
            os.dup2(101, 4)

        self.proc = subprocess.Popen([browser(), *FLAGS, "--remote-debugging-pipe", f"--user-data-dir={self._profile}",
                                      "about:blank"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, preexec_fn=child_fds, close_fds=False)
        os.close(cmd_r)
        os.close(reply_w)

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        """Send one command and return its result (events that arrive meanwhile are passed over)."""
        self._next += 1
        message = {"id": self._next, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._cmd_w, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._receive()
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise SystemExit(f"Chromium refused {method}: {reply['error'].get('message')}")
                return reply.get("result", {})

    def wait_for(self, event: str) -> None:
        while self._receive().get("method") != event:
            pass

    def _receive(self) -> dict:
        while b"\0" not in self._buffer:
            if time.monotonic() > self.deadline:
                raise SystemExit("Chromium did not finish printing the book in time")
            chunk = os.read(self._reply_r, 1 << 20)
            if not chunk:
                raise SystemExit(f"Chromium stopped: {self.proc.stderr.read().decode(errors='replace')[-300:]}")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except SystemExit:
            pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        os.close(self._cmd_w)
        os.close(self._reply_r)
        shutil.rmtree(self._profile, ignore_errors=True)


def print_pdf(page: Path, out: Path, timeout: float = 600) -> int:
    """Print ``page`` to ``out`` once MathJax has typeset it; returns how many formulas it drew."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tools = DevTools(timeout)
    try:
        target = tools.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = tools.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        tools.send("Page.enable", session=session)
        tools.send("Page.navigate", {"url": page.as_uri()}, session=session)
        tools.wait_for("Page.loadEventFired")
        formulas = tools.send("Runtime.evaluate", {"expression": TYPESET, "awaitPromise": True, "returnByValue": True},
                              session=session)["result"].get("value", 0)
        pdf = tools.send("Page.printToPDF", {"printBackground": True, "preferCSSPageSize": True,
                                             "displayHeaderFooter": False}, session=session)["data"]
    finally:
        tools.close()
    from collapse_lib.files import atomic_write_bytes

    atomic_write_bytes(out, base64.b64decode(pdf))
    return int(formulas or 0)


def build_pdf(profile: str) -> Path:
    from build_book import stage

    from collapse_lib.report import read_results

    folder = stage(profile)
    try:
        results = read_results(profile)
    except Exception:  # a profile without results still prints its pages
        results = {}
    page = printable(singlehtml(folder), profile, results)
    out = ROOT / "_build" / "pdf" / ("book.pdf" if profile == "cpu" else f"book-{profile}.pdf")
    print_pdf(page, out)
    return out


def main() -> int:
    from collapse_lib.profiles import PROFILES

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--profile", choices=PROFILES, default="cpu")
    args = ap.parse_args()
    print(f"pdf: {build_pdf(args.profile)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
