"""The rendered book in a real browser (headless Chromium at 1280 px), page by page: nothing wider than the
content column, every image loaded and drawn at least 1.5x its displayed width, math typeset, no empty code
toggle, no machine path. Screenshots are kept under _build/screenshots/ for a person to look at."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHECK = Path(__file__).parent / "browser" / "check.js"
BROWSER = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
         "--window-size=1280,1600", "--virtual-time-budget=20000"]

pytestmark = pytest.mark.skipif(BROWSER is None, reason="Chromium is not installed here (bash .ci/run installs "
                                                         "Debian's chromium package; apt-get install chromium)")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The committed pages rendered (make html), copied with the checker injected into every page."""
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_book.py"), "--render-only"],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    copy = tmp_path_factory.mktemp("site") / "html"
    shutil.copytree(ROOT / "_build" / "html", copy)
    shutil.copy(CHECK, copy / "_page_check.js")
    for page in copy.rglob("*.html"):
        depth = len(page.relative_to(copy).parts) - 1
        tag = f'<script src="{"../" * depth}_page_check.js"></script></body>'
        page.write_text(page.read_text().replace("</body>", tag, 1))
    return copy


def pages() -> list[str]:
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [toc["root"]] + [ch["file"] for ch in toc["chapters"]]


def _run(args: list[str], timeout: int = 120) -> str:
    return subprocess.run([BROWSER, *FLAGS, *args], capture_output=True, text=True, timeout=timeout).stdout


@pytest.mark.parametrize("page", pages())
def test_a_page_reads_well_at_1280_px(site, page):
    html = site / f"{page}.html"
    assert html.is_file(), html
    shots = ROOT / "_build" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    _run([f"--screenshot={shots / (Path(page).name + '.png')}", html.as_uri()])
    for _ in range(3):  # a headless dump can return before a large page has loaded on a busy machine: ask again
        found = re.search(r'<pre id="page-check">(.*?)</pre>', _run(["--dump-dom", html.as_uri()]), re.S)
        if found:
            break
    assert found, f"{page}: the page check did not run (the page did not finish loading, three tries)"
    result = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))
    assert not result["problems"], f"{page}: " + json.dumps(result["problems"][:8], indent=1)
