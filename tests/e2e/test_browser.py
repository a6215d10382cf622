"""The real page in Debian's headless Chromium with the embedded model.

Starts ``streamlit run app.py`` on a free 127.0.0.1 port with a temporary data folder. A 1-round
draft with a topic that carries HTML (title and sections visible, nothing in the topic ran, the
progress above the folded form); Stop keeping the best round; a run stopped before its first
round, found on the History page and resumed there. A run outlives its page: a reload re-attaches
(progress, Stop), a second tab sees it on the History page and watches it. A run that failed on an
unreachable server resumes with the Server URL fixed in the sidebar. Screenshots go to
``tests/e2e/artifacts/`` (git-ignored).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.servers import ROOT, free_port, llama_server, start_server, stop

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.timeout(1200)]

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
DRAFT_TIMEOUT = 600  # seconds; a 1-round run takes ~40 s on an idle 2-core machine, minutes under load
STOP_TIMEOUT = 240  # seconds from Stop to the result: the agent step in flight finishes first
HOSTILE = "<img src=x onerror=alert(1)> <script>alert(2)</script>"
TOPIC = f"Tea for beginners {HOSTILE}"
# Records any dialog the page tries to open instead of blocking on it.
DIALOG_SPY = """
window.__dialogs = [];
for (const name of ['alert', 'confirm', 'prompt']) {
  window[name] = (...args) => { window.__dialogs.push(name + ':' + args.join(' ')); };
}
"""

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
    pytest.skip("Debian chromium and chromium-driver are not installed", allow_module_level=True)

from selenium.common.exceptions import NoAlertPresentException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    """The app on a free localhost port, shared by this module's tests; its log is printed."""
    tmp_path = tmp_path_factory.mktemp("server")
    port = free_port()
    # The embedded model whatever the hub cache holds (this module-scoped server starts before the
    # per-test fixture that pins it for the rest of the suite): auto is the page's default.
    env = {
        **os.environ,
        "DRAFTSMITH_DATA_DIR": str(tmp_path / "data"),
        "DRAFTSMITH_MODEL": "embedded",
        "PYTHONUNBUFFERED": "1",
    }
    log_path = tmp_path / "streamlit.log"
    address = ["--server.address", "127.0.0.1", "--server.port", str(port), "--server.headless", "true"]
    quiet = ["--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"]
    command = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), *address, *quiet]
    url = f"http://127.0.0.1:{port}"
    health = f"{url}/_stcore/health"
    process = start_server(command, health, log_path, name="streamlit", seconds=90, expect=b"ok", env=env)
    try:
        yield url
    finally:
        stop(process, timeout=15)
        print(log_path.read_text()[-3000:])


@pytest.fixture
def browser(tmp_path) -> Iterator[Any]:
    """Headless Debian Chromium with a fresh profile and no background network traffic."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        # Native code, out of the Python network guard's reach: no name but 127.0.0.1 resolves.
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        "--window-size=1280,2200",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def fill_form(browser: Any, url: str, topic: str, rounds: int, words: int | None = None) -> None:
    """Open the page, type the topic, pick the rounds (and words), turn research off.

    With ``words`` the threshold goes to 10 too, so that no round is good enough to end the loop.
    """
    browser.get(url)
    field = WebDriverWait(browser, 60).until(
        ec.element_to_be_clickable((By.CSS_SELECTOR, ".st-key-topic input"))
    )
    browser.execute_script(DIALOG_SPY)
    field.send_keys(topic)
    slider = browser.find_element(By.CSS_SELECTOR, ".st-key-rounds input[type=range]")
    browser.execute_script("arguments[0].focus()", slider)
    browser.switch_to.active_element.send_keys(Keys.HOME, *[Keys.ARROW_RIGHT] * (rounds - 1))
    assert slider.get_attribute("value") == str(rounds)
    if words is not None:
        box = browser.find_element(By.CSS_SELECTOR, ".st-key-words input")
        box.send_keys(Keys.CONTROL, "a")
        box.send_keys(str(words), Keys.TAB)
        threshold = browser.find_element(By.CSS_SELECTOR, ".st-key-threshold input[type=range]")
        browser.execute_script("arguments[0].focus()", threshold)
        browser.switch_to.active_element.send_keys(Keys.END)
    [search_off] = [
        option
        for option in browser.find_elements(By.CSS_SELECTOR, ".st-key-search [data-testid=stRadioOption]")
        if option.text.startswith("Off")
    ]
    search_off.click()


def page_text(browser: Any) -> str:
    return str(browser.find_element(By.TAG_NAME, "body").text)


def screenshot(browser: Any, name: str) -> Path:
    """Save the page as ``tests/e2e/artifacts/<name>.png`` (kept after the test, git-ignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    assert browser.save_screenshot(str(path)) and path.stat().st_size > 10_000
    return path


def click_button(browser: Any, label: str) -> None:
    """Click the visible button whose text ends with ``label`` (icons add a ligature before it)."""
    buttons = [
        button
        for button in browser.find_elements(By.TAG_NAME, "button")
        if button.is_displayed() and button.text.strip().endswith(label)
    ]
    assert buttons, f"no button {label!r} in:\n{page_text(browser)}"
    buttons[0].click()


def test_a_one_round_draft_in_a_real_browser(server, browser, tmp_path):
    fill_form(browser, server, TOPIC, rounds=1)
    clicked = time.monotonic()
    browser.find_element(By.CSS_SELECTOR, ".st-key-submit button").click()
    stop = WebDriverWait(browser, 60).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, ".st-key-stop button"))
    )
    # The progress takes the top of the page; the form folds below it, its button disabled.
    [folded] = [e for e in browser.find_elements(By.TAG_NAME, "details") if "New draft" in e.text]
    assert stop.location["y"] < folded.location["y"] and folded.get_attribute("open") is None
    submit = browser.find_element(By.CSS_SELECTOR, ".st-key-submit button")
    assert not submit.is_enabled()  # one run at a time per page
    WebDriverWait(browser, DRAFT_TIMEOUT).until(lambda b: "writer" in page_text(b) and "→" in page_text(b))
    progress = page_text(browser)
    assert "researcher —" not in progress  # search is off: the skipped step is not listed
    screenshot(browser, "progress")
    title = WebDriverWait(browser, DRAFT_TIMEOUT).until(
        ec.visibility_of_element_located((By.CSS_SELECTOR, ".st-key-draft h1"))
    )
    seconds = time.monotonic() - clicked
    time.sleep(1)  # let the last deltas paint before the screenshot
    shot = screenshot(browser, "draft")

    sections = [h for h in browser.find_elements(By.CSS_SELECTOR, ".st-key-draft h2") if h.is_displayed()]
    assert title.text.strip()
    assert len(sections) >= 3 and all(h.text.strip() for h in sections)

    # The topic's HTML is shown as text and nothing in it ran.
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert  # noqa: B018
    assert browser.execute_script("return window.__dialogs") == []
    assert browser.find_elements(By.CSS_SELECTOR, "img[src='x']") == []
    scripts = browser.execute_script("return [...document.scripts].map(s => s.textContent).join(' ')")
    assert "alert(2)" not in scripts
    body = page_text(browser)
    assert f"Topic: {TOPIC}" in body

    first_token = re.search(r"first token after ([\d.]+) s", body)
    model_time = re.search(r"([\d.]+) s of model time", body)
    assert first_token and model_time, body
    timings = {
        "click_to_draft_s": round(seconds, 1),
        "model_time_s": float(model_time[1]),
        "ui_overhead_s": round(seconds - float(model_time[1]), 1),
        "click_to_first_token_s": float(first_token[1]),
    }
    (tmp_path / "timings.json").write_text(json.dumps(timings))
    print(f"screenshot: {shot}\ntimings: {timings}")


def test_stop_keeps_the_best_finished_round(server, browser):
    fill_form(browser, server, "Composting at home", rounds=3, words=150)
    browser.find_element(By.CSS_SELECTOR, ".st-key-submit button").click()
    WebDriverWait(browser, DRAFT_TIMEOUT).until(lambda b: "scored" in page_text(b))
    browser.find_element(By.CSS_SELECTOR, ".st-key-stop button").click()
    # Stop now also ends the running generation, so the "Stopping…" notice may be gone at once.
    WebDriverWait(browser, 30).until(
        lambda b: (
            "Stopping: the step in flight is cut short" in page_text(b) or "Stopped early" in page_text(b)
        )
    )
    title = WebDriverWait(browser, STOP_TIMEOUT).until(
        ec.visibility_of_element_located((By.CSS_SELECTOR, ".st-key-draft h1"))
    )
    assert title.text.strip()
    assert "Stopped early: showing the best finished round" in page_text(browser)
    labels = [tab.text for tab in browser.find_elements(By.CSS_SELECTOR, "[role=tab]")]
    assert 1 <= len([label for label in labels if label.startswith("Round")]) < 3, labels
    screenshot(browser, "stopped")


def test_a_run_stopped_before_its_first_round_is_resumed_from_the_history(server, browser):
    fill_form(browser, server, "Keeping bees in a city", rounds=1, words=150)
    browser.find_element(By.CSS_SELECTOR, ".st-key-submit button").click()
    WebDriverWait(browser, 60).until(ec.element_to_be_clickable((By.CSS_SELECTOR, ".st-key-stop button")))
    browser.find_element(By.CSS_SELECTOR, ".st-key-stop button").click()
    WebDriverWait(browser, STOP_TIMEOUT).until(
        lambda b: "stopped before its first draft was scored" in page_text(b)
    )
    body = page_text(browser)
    assert "Resume" in body and "cli.py" not in body  # a button, not a command to type
    screenshot(browser, "stopped-before-round-1")

    click_button(browser, "History")
    row = WebDriverWait(browser, 30).until(
        lambda b: next(
            (r for r in b.find_elements(By.CSS_SELECTOR, "[class*=st-key-run_]") if "bees" in r.text), None
        )
    )
    assert "stopped · 0 rounds · best –" in row.text
    screenshot(browser, "history")
    [resume] = [b for b in row.find_elements(By.TAG_NAME, "button") if b.text.strip().endswith("Resume")]
    resume.click()
    title = WebDriverWait(browser, DRAFT_TIMEOUT).until(
        ec.visibility_of_element_located((By.CSS_SELECTOR, ".st-key-draft h1"))
    )
    assert title.text.strip() and "Keeping bees in a city" in page_text(browser)
    screenshot(browser, "resumed")
    click_button(browser, "History")
    WebDriverWait(browser, 30).until(lambda b: "completed · 1 round" in page_text(b))
    screenshot(browser, "history-after-resume")


def submit_and_wait_for_the_writer(browser: Any) -> None:
    """Start the run and wait until the writer works on it (its step says "working")."""
    browser.find_element(By.CSS_SELECTOR, ".st-key-submit button").click()
    WebDriverWait(browser, DRAFT_TIMEOUT).until(lambda b: "writer — working" in page_text(b))


def running_round_icons(browser: Any) -> list[str]:
    """The icon of every round box that has no score yet (the spinner's test id, or another)."""
    icons = []
    for box in browser.find_elements(By.CSS_SELECTOR, "[data-testid=stExpander]"):
        if box.text.startswith("Round") and "scored" not in box.text.split("\n")[0]:
            found = box.find_elements(By.CSS_SELECTOR, "[data-testid=stExpanderStepIcon] *")
            icons.append(" ".join(e.get_attribute("data-testid") or e.tag_name for e in found))
    return icons


def test_a_reload_re_attaches_to_the_run_and_stop_still_works(server, browser):
    fill_form(browser, server, "Growing basil on a windowsill", rounds=3, words=150)
    submit_and_wait_for_the_writer(browser)
    browser.refresh()  # the page's session is gone; the run is not
    stop_button = WebDriverWait(browser, 60).until(
        ec.element_to_be_clickable((By.CSS_SELECTOR, ".st-key-stop button"))
    )
    body = page_text(browser)
    assert "Drafting Growing basil on a windowsill" in body and "→" in body
    assert "Another run is drafting now" not in body and "Round 1" in body
    icons = running_round_icons(browser)
    assert icons and all("Spinner" in icon or "spinner" in icon for icon in icons), icons
    assert "<<<" not in body and '{"' not in body  # prose only in the live box
    live = WebDriverWait(browser, 60).until(  # the text streamed so far, in the live box
        lambda b: next(
            (e for e in b.find_elements(By.CSS_SELECTOR, ".st-key-live_text") if e.text.strip()), None
        )
    )
    assert "<<<" not in live.text and ">>>" not in live.text and not live.text.lstrip().startswith("{")
    screenshot(browser, "reloaded")
    stop_button.click()
    WebDriverWait(browser, STOP_TIMEOUT).until(
        lambda b: "Stopped early" in page_text(b) or "stopped before its first draft" in page_text(b)
    )
    click_button(browser, "History")
    WebDriverWait(browser, 30).until(lambda b: "basil" in page_text(b) and "running" not in page_text(b))


def test_a_second_tab_sees_the_live_run_and_watches_it(server, browser):
    fill_form(browser, server, "Repairing a bicycle puncture", rounds=3, words=150)
    submit_and_wait_for_the_writer(browser)
    first = browser.current_window_handle
    browser.switch_to.new_window("tab")
    browser.get(server)
    WebDriverWait(browser, 60).until(ec.element_to_be_clickable((By.CSS_SELECTOR, ".st-key-stop button")))
    assert "Drafting Repairing a bicycle puncture" in page_text(browser)
    click_button(browser, "History")
    row = WebDriverWait(browser, 30).until(
        lambda b: next(
            (r for r in b.find_elements(By.CSS_SELECTOR, "[class*=st-key-run_]") if "bicycle" in r.text), None
        )
    )
    WebDriverWait(browser, 30).until(lambda b: re.search(r"running, round \d, \w+", row.text))
    time.sleep(2)  # a poll of the New draft page's progress must not draw on the History page
    assert "Tokens/s" not in page_text(browser) and "Stop" not in page_text(browser)
    screenshot(browser, "second-tab-history")
    [watch] = [b for b in row.find_elements(By.TAG_NAME, "button") if b.text.strip().endswith("Watch")]
    watch.click()
    stop_button = WebDriverWait(browser, 30).until(
        ec.element_to_be_clickable((By.CSS_SELECTOR, ".st-key-stop button"))
    )
    stop_button.click()  # Stop from the second tab ends the run the first tab started
    browser.switch_to.window(first)
    WebDriverWait(browser, STOP_TIMEOUT).until(
        lambda b: "Stopped early" in page_text(b) or "stopped before its first draft" in page_text(b)
    )


def choose_server(browser: Any, url: str) -> None:
    """Pick the OpenAI-compatible server in the sidebar and type its URL and model name."""
    [option] = [
        o
        for o in browser.find_elements(By.CSS_SELECTOR, ".st-key-model_source [data-testid=stRadioOption]")
        if o.text.startswith("OpenAI")
    ]
    option.click()
    field = WebDriverWait(browser, 30).until(
        ec.element_to_be_clickable((By.CSS_SELECTOR, ".st-key-base_url input"))
    )
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(url, Keys.ENTER)
    name = browser.find_element(By.CSS_SELECTOR, ".st-key-openai_model input")
    if name.get_attribute("value") != "smollm2":
        name.send_keys(Keys.CONTROL, "a")
        name.send_keys("smollm2", Keys.ENTER)


def test_resume_uses_the_server_url_fixed_in_the_sidebar(server, browser, tmp_path):
    dead = f"http://127.0.0.1:{free_port()}/v1"
    fill_form(browser, server, "Brewing green tea", rounds=1)
    choose_server(browser, dead)
    time.sleep(1)
    browser.find_element(By.CSS_SELECTOR, ".st-key-submit button").click()
    WebDriverWait(browser, 120).until(lambda b: "cannot reach the model server" in page_text(b).lower())
    assert "Check Server URL in the sidebar" in page_text(browser)
    with llama_server(tmp_path / "llama-server.log") as url:
        field = browser.find_element(By.CSS_SELECTOR, ".st-key-base_url input")
        field.send_keys(Keys.CONTROL, "a")
        field.send_keys(url, Keys.ENTER)
        wanted = (
            f"Resume uses smollm2 at {url}, the model now chosen in the sidebar",
            "Keep the run's own model: ",
            f" at {dead}",  # its model name, whichever the sidebar held when it was started
        )
        WebDriverWait(browser, 30).until(lambda b: all(text in page_text(b) for text in wanted))
        screenshot(browser, "resume-with-the-sidebar")
        click_button(browser, "Resume")
        WebDriverWait(browser, 120).until(lambda b: "Drafting Brewing green tea with smollm2" in page_text(b))
        log = tmp_path / "llama-server.log"
        WebDriverWait(browser, DRAFT_TIMEOUT).until(lambda b: "POST /v1/chat/completions" in log.read_text())
        screenshot(browser, "resumed-on-the-fixed-server")
        # The new server answered: that is the point. Stop the run (the last of this module); its end
        # is not awaited, as a call in flight on this busy machine can take minutes to return.
        browser.find_element(By.CSS_SELECTOR, ".st-key-stop button").click()
