"""Take the README's screenshots of the web app: docs/screenshots/chat.png, chat-phone.png, claim.png and claim-phone.png.

    .venv/bin/python docs/make_screenshots.py [--index index]

Starts ``askhist serve`` on a free port with the seed essays, an empty
temporary data folder and the given index (built on first use), drives
Debian's Chromium through Playwright, and stops the server again.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
QUESTION = "How did Stalin use the Lenin Enrolment?"  # its quote runs on into the sentence that answers it
CLAIM = "Lenin died in 1922"  # one source supports it, another contradicts it


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"askhist serve exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"askhist serve did not answer at {url} within {timeout:.0f}s")


def shoot(url: str) -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 900}, device_scale_factor=1)
        page.goto(url)
        page.wait_for_selector("#chat-log .intro")
        page.fill("#question-box textarea", QUESTION)
        page.click("#ask-button")
        page.wait_for_selector("#chat-log a.cite")
        citations = page.locator("#chat-log a.cite")
        citations.nth(min(1, citations.count() - 1)).click()
        page.wait_for_selector("#chat-log details[open] mark")
        page.wait_for_timeout(2000)  # let the highlight flash fade
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(OUT / "chat.png"), full_page=True)

        page.get_by_role("tab", name="Check a claim").click()
        page.fill("#claim-box textarea", CLAIM)
        page.click("#check-button")
        page.wait_for_selector("#claim-report .claim-source")
        page.locator("#claim-report details.show-source").first.click()
        page.wait_for_timeout(800)
        page.evaluate("window.scrollTo(0, 0)")
        height = min(page.evaluate("document.documentElement.scrollHeight"), 1700)
        page.screenshot(
            path=str(OUT / "claim.png"), full_page=True, clip={"x": 0, "y": 0, "width": 1100, "height": height}
        )

        phone = browser.new_page(viewport={"width": 400, "height": 860}, device_scale_factor=1)
        phone.goto(url)
        phone.wait_for_selector("#chat-log .intro")
        phone.fill("#question-box textarea", QUESTION)
        phone.click("#ask-button")
        phone.wait_for_selector("#chat-log a.cite")
        phone.locator("#chat-log .quote").first.scroll_into_view_if_needed()
        phone.evaluate("window.scrollBy(0, -160)")
        phone.screenshot(path=str(OUT / "chat-phone.png"))

        phone.goto(url)
        phone.wait_for_selector("#chat-log .intro")
        phone.get_by_role("tab", name="Check a claim").click()
        phone.fill("#claim-box textarea", CLAIM)
        phone.click("#check-button")
        phone.wait_for_selector("#claim-report .claim-source")
        phone.wait_for_timeout(800)
        phone.locator("#claim-report .claim-source").first.scroll_into_view_if_needed()
        phone.evaluate("window.scrollBy(0, -120)")
        phone.screenshot(path=str(OUT / "claim-phone.png"))
        browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default=str(ROOT / "index"), help="index folder (built if missing)")
    parser.add_argument("--docs", default=str(ROOT / "seeds"), help="documents folder")
    args = parser.parse_args()
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    with tempfile.TemporaryDirectory(prefix="askhist-shots-") as data:
        command = [sys.executable, "-m", "askhist.cli", "serve", "--docs", args.docs, "--index", args.index]
        command += ["--data", data, "--port", str(port)]
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
        server = subprocess.Popen(command, cwd=ROOT, env=env)
        try:
            wait_until_up(url, server)
            shoot(url)
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(data, ignore_errors=True)
    print(f"wrote {OUT / 'chat.png'}, {OUT / 'chat-phone.png'}, {OUT / 'claim.png'} and {OUT / 'claim-phone.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
