"""Browser test of the web chat widget: real Rasa + action server + web/server.py, driven in
Debian's headless Chromium by Playwright (no browser download).

Needs: models/backstop.tar.gz, /usr/bin/chromium (apt-get install chromium), the `playwright`
Python package and web/node_modules (npm ci in web/: socket.io-client, and axe-core for the
accessibility checks, injected from the test so the web server never serves it).
Screenshots go to results/widget/.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from channels import socketio as channel_socketio
from tests.servers import MODEL, ROOT, VENV_BIN, Backstop, http, wait_for

CHROMIUM = "/usr/bin/chromium"
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not MODEL.exists(), reason="no trained model at models/backstop.tar.gz"),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no /usr/bin/chromium (apt-get install chromium)"),
]

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
RASA_PORT, ACTION_PORT, WEB_PORT = 5205, 5255, 8280
RASA_URL = f"http://127.0.0.1:{RASA_PORT}"
ORIGIN = f"http://127.0.0.1:{WEB_PORT}"  # the only origin allowed (BACKSTOP_CORS)
PAGE_URL = f"{ORIGIN}/?server={RASA_URL}"
LAUNCHER_URL = f"{PAGE_URL}&mode=launcher"  # the demo page with data-mode="launcher" on its div
OTHER_SITE_URL = f"http://localhost:{WEB_PORT}/?server={RASA_URL}"  # same page, an origin not allowed
OUT = ROOT / "results" / "widget"
CHECKIN_SECONDS = 45  # the check-in delay in these tests (48 hours in use); may fall in the restart
TIMEOUT_MS = 60_000  # the first reply loads the model's components; later ones take ~1 s

DISCLAIMER = "Information, not a diagnosis. In an emergency call your local emergency number."
STORED = ("Your messages are stored by the clinic to continue this conversation; "
          "don't share your name or contact details.")
XSS = "<script>window.__xss=1</script><b>bold</b>"
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
WCAG21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backstop]:
    if not (ROOT / "web" / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js").exists():
        pytest.fail("web/node_modules is missing: run `npm ci` in web/")
    if not AXE.exists():
        pytest.fail("web/node_modules/axe-core is missing: run `npm ci` in web/")
    workdir = tmp_path_factory.mktemp("widget")
    backstop = Backstop(workdir, rasa_port=RASA_PORT, action_port=ACTION_PORT,
                        env={"BACKSTOP_CORS": ORIGIN, "BACKSTOP_CHECKIN_HOURS": str(CHECKIN_SECONDS / 3600),
                             "BACKSTOP_CHECKIN_SWEEP_SECONDS": "2"})
    web_log = open(workdir / "web.log", "ab")  # noqa: SIM115 - closed below
    web = subprocess.Popen([str(VENV_BIN / "python"), str(ROOT / "web" / "server.py")], cwd=ROOT,
                           env={**os.environ, "WEB_PORT": str(WEB_PORT), "WEB_HOST": "127.0.0.1"},
                           stdout=web_log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for(f"http://127.0.0.1:{WEB_PORT}/health", 30, web)
        backstop.start_actions()
        backstop.start_rasa(extra=["--cors", ORIGIN])
        yield backstop
    finally:
        backstop.stop()
        if web.poll() is None:
            os.killpg(web.pid, signal.SIGTERM)
            web.wait(timeout=20)
        web_log.close()


@pytest.fixture(scope="module")
def browser(servers: Backstop) -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the playwright package is missing: .venv/bin/pip install playwright==1.65.2")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def watch_errors(page: Any) -> list[str]:
    """Script errors and console errors of the page, each with the address it came from."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    page.on("console", lambda msg: errors.append(f"console: {msg.text} ({msg.location.get('url')})")
            if msg.type == "error" else None)
    return errors


def open_page(browser: Any, width: int = 1280, height: int = 900, url: str = PAGE_URL) -> tuple[Any, Any, list[str]]:
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors = watch_errors(page)
    page.goto(url)
    wait_connected(page, url != PAGE_URL)
    return context, page, errors


def wait_connected(page: Any, hidden_ok: bool = False) -> None:
    """The widget has its session; a closed launcher panel is connected too, only not visible."""
    page.wait_for_selector(".backstop-widget[data-state='connected'][data-session-id]",
                           state="attached" if hidden_ok else "visible")


def axe_violations(page: Any) -> list[str]:
    """WCAG 2.1 A/AA violations axe-core finds on the whole page as it is now (one line each)."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG21_AA)
    return [f"{v['id']}: {v['help']} at " + ", ".join(str(n["target"]) for n in v["nodes"][:5])
            for v in result["violations"]]


def bot_count(page: Any) -> int:
    return page.locator(".backstop-log .backstop-bot").count()


def wait_replies(page: Any, before: int) -> list[str]:
    """Wait for at least one new bot message, then until no more arrive for a moment."""
    page.wait_for_function("n => document.querySelectorAll('.backstop-log .backstop-bot').length > n", arg=before)
    stable_since, count = time.time(), bot_count(page)
    while time.time() - stable_since < 1.5:
        time.sleep(0.25)
        now = bot_count(page)
        if now != count:
            stable_since, count = time.time(), now
    return page.locator(".backstop-log .backstop-bot .backstop-text").all_inner_texts()[before:]


def say(page: Any, text: str) -> list[str]:
    before = bot_count(page)
    page.get_by_label("Message to Backstop").fill(text)
    page.get_by_role("button", name="Send", exact=True).click()
    return wait_replies(page, before)


def session_id(page: Any) -> str:
    """The conversation id of the page's session (the widget keeps the signed token ``<id>.<signature>``)."""
    token = page.evaluate("document.querySelector('.backstop-widget').getAttribute('data-session-id')")
    assert token and token == page.evaluate(
        "Object.keys(localStorage).filter(k => k.endsWith(':session')).map(k => localStorage.getItem(k))[0]")
    conversation_id, _, signature = token.partition(".")
    assert len(conversation_id) == 32 and len(signature) == 32, token
    return conversation_id


def user_texts(tracker: dict[str, Any]) -> list[str]:
    return [e.get("text") or "" for e in tracker["events"] if e["event"] == "user"]


def real_errors(errors: list[str]) -> list[str]:
    """Errors other than the browser's own request for a favicon the test pages do not have."""
    return [e for e in errors if "favicon.ico" not in e]


def test_chat_reload_and_escaping(browser: Any, servers: Backstop) -> None:
    from playwright.sync_api import expect

    OUT.mkdir(parents=True, exist_ok=True)
    context, page, errors = open_page(browser)
    widget = page.locator(".backstop-widget")

    # Before the first message: the disclaimer and what is stored, an empty labelled log.
    expect(widget.locator(".backstop-notice")).to_contain_text(DISCLAIMER)
    expect(widget.locator(".backstop-notice")).to_contain_text(STORED)
    log = page.get_by_role("log")
    expect(log).to_have_attribute("aria-live", "polite")
    expect(log.locator(".backstop-msg")).to_have_count(0)
    expect(page.get_by_label("Message to Backstop")).to_be_visible()
    sid = session_id(page)
    widget.screenshot(path=str(OUT / "chat-start.png"))

    # Greeting.
    replies = say(page, "hi")
    assert any(r.strip() for r in replies), replies
    expect(widget.locator(".backstop-user .backstop-text").last).to_have_text("hi")
    expect(widget.locator(".backstop-typing")).to_be_hidden()

    # A description of pain gets a question with quick replies; click one.
    replies = say(page, "my lower back hurts after deadlifts")
    buttons = widget.locator(".backstop-quick-replies button")
    expect(buttons.first).to_be_visible()
    assert buttons.count() >= 2, replies
    title = buttons.first.inner_text()
    before = bot_count(page)
    buttons.first.click()
    expect(widget.locator(".backstop-user .backstop-text").last).to_have_text(title)
    expect(widget.locator(".backstop-quick-replies")).to_have_count(0)
    wait_replies(page, before)
    events = servers.tracker(sid)["events"]
    clicked = [e for e in events if e["event"] == "user" and (e.get("text") or "").startswith("/")]
    assert clicked, "the button's payload (not its title) is what reached Rasa"

    # A knowledge question in the middle of the questions.
    replies = say(page, "what is DOMS?")
    answer = "\n".join(replies).lower()
    assert "doms" in answer or "delayed" in answer or "sore" in answer, replies

    # A red flag is escalated in a distinct style.
    say(page, "I peed myself and my back is killing me")
    escalation = widget.locator(".backstop-escalation")
    expect(escalation.first).to_be_visible()
    expect(escalation.first).to_contain_text("⚠")
    style = escalation.first.evaluate("e => { const s = getComputedStyle(e); "
                                      "return [s.borderTopColor, s.backgroundColor, s.borderLeftWidth]; }")
    assert style[0] != style[1] and style[2] != "0px", style
    page.screenshot(path=str(OUT / "chat.png"))
    widget.screenshot(path=str(OUT / "chat-widget.png"))
    shown_before = page.locator(".backstop-log .backstop-msg").all_inner_texts()

    # Reload: the conversation is still on screen and goes on in the same Rasa session.
    page.reload()
    wait_connected(page)
    assert session_id(page) == sid
    expect(widget.locator(".backstop-user .backstop-text").first).to_have_text("hi")
    expect(widget.locator(".backstop-escalation").first).to_be_visible()
    assert page.locator(".backstop-log .backstop-msg").all_inner_texts() == shown_before
    expect(widget.locator(".backstop-quick-replies")).to_have_count(0)  # answered buttons stay gone
    replies = say(page, "thanks")
    assert any(r.strip() for r in replies), replies
    said = user_texts(servers.tracker(sid))
    assert said[0] == "hi" and said[-1] == "thanks", said
    assert "what is DOMS?" in said, said

    # The socket drops: "reconnecting", then the chat carries on in the same session.
    page.evaluate("""() => {
        const root = document.querySelector('.backstop-widget');
        window.__states = [];
        new MutationObserver(() => window.__states.push(
            [root.getAttribute('data-state'), root.querySelector('.backstop-status').textContent]))
          .observe(root, {attributes: true, attributeFilter: ['data-state']});
        window.BackstopWidget.instances[0].socket.io.engine.close();
    }""")
    wait_connected(page)
    states = page.evaluate("window.__states")
    assert any(s == "reconnecting" and "Reconnecting" in text for s, text in states), states
    assert session_id(page) == sid
    replies = say(page, "what can you do?")
    assert any(r.strip() for r in replies), replies
    assert user_texts(servers.tracker(sid))[-1] == "what can you do?"

    # HTML typed by the user is shown as text and never runs.
    before = bot_count(page)
    page.get_by_label("Message to Backstop").fill(XSS)
    page.get_by_label("Message to Backstop").press("Enter")
    expect(widget.locator(".backstop-user .backstop-text").last).to_have_text(XSS)
    wait_replies(page, before)
    assert page.evaluate("window.__xss") is None
    assert widget.locator(".backstop-log b, .backstop-log script").count() == 0
    assert user_texts(servers.tracker(sid))[-1] == XSS

    # The markdown subset: bold, bullets, safe links only; HTML in bot text stays text.
    formatted = page.evaluate("""() => {
        const d = window.BackstopWidget.format(
          "**Bold** text\\n- one\\n- two [site](https://example.org/a) and https://example.org/b.\\n"
          + "<img src=x onerror=window.__xss=2> [bad](javascript:alert(1))");
        return {html: d.innerHTML, text: d.textContent,
                strong: d.querySelectorAll('strong').length, li: d.querySelectorAll('ul li').length,
                links: [...d.querySelectorAll('a')].map(a => a.getAttribute('href')),
                img: d.querySelectorAll('img').length};
    }""")
    assert formatted["strong"] == 1 and formatted["li"] == 2, formatted
    assert formatted["links"] == ["https://example.org/a", "https://example.org/b"], formatted
    assert formatted["img"] == 0 and "<img src=x" in formatted["text"], formatted
    assert "javascript:" not in "".join(formatted["links"])
    assert page.evaluate("window.__xss") is None

    # Keyboard: focus goes from the input to Send; a message sent with Enter keeps focus in the input.
    page.get_by_label("Message to Backstop").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Send"

    page.screenshot(path=str(OUT / "chat-after-reload.png"))
    assert not real_errors(errors), errors
    context.close()


def test_inline_mode_has_no_wcag_violations(browser: Any, servers: Backstop) -> None:
    from playwright.sync_api import expect

    context, page, errors = open_page(browser)
    assert axe_violations(page) == []
    say(page, "my lower back hurts after deadlifts")  # a question with quick replies
    expect(page.locator(".backstop-quick-replies button").first).to_be_visible()
    assert axe_violations(page) == []
    say(page, "I peed myself and my back is killing me")  # an escalation, with its links
    expect(page.locator(".backstop-escalation").first).to_be_visible()
    assert axe_violations(page) == []
    assert not real_errors(errors), errors
    context.close()


def test_launcher_opens_chats_closes_and_remembers(browser: Any, servers: Backstop) -> None:
    from playwright.sync_api import expect

    OUT.mkdir(parents=True, exist_ok=True)
    context, page, errors = open_page(browser, url=LAUNCHER_URL)
    launcher = page.locator(".backstop-launcher")
    panel = page.locator(".backstop-widget")
    message_box = page.get_by_label("Message to Backstop")

    # Closed: a labelled round button in the bottom-right corner, and no panel.
    expect(page.get_by_role("button", name="Open chat with Backstop", exact=True)).to_be_visible()
    expect(launcher).to_have_attribute("aria-expanded", "false")
    expect(panel).to_be_hidden()
    box = launcher.bounding_box()
    assert box and box["x"] + box["width"] > 1280 - 60 and box["y"] + box["height"] > 900 - 60, box
    assert launcher.evaluate("b => getComputedStyle(b).position") == "fixed"
    assert abs(box["width"] - box["height"]) < 1 and launcher.evaluate("b => getComputedStyle(b).borderRadius") == "50%"
    assert axe_violations(page) == []
    page.screenshot(path=str(OUT / "launcher-closed-desktop.png"))
    sid = session_id(page)

    # Open with the button: the panel is above it, focus is in the message box; chat.
    launcher.click()
    expect(panel).to_be_visible()
    expect(launcher).to_have_attribute("aria-expanded", "true")
    expect(launcher).to_have_attribute("aria-label", "Close chat with Backstop")
    expect(message_box).to_be_focused()
    panel_box, box = panel.bounding_box(), launcher.bounding_box()
    assert panel_box and box and panel_box["y"] + panel_box["height"] <= box["y"], (panel_box, box)
    replies = say(page, "hi")
    assert any(r.strip() for r in replies), replies
    shown_before = page.locator(".backstop-log .backstop-msg").all_inner_texts()
    assert axe_violations(page) == []
    page.screenshot(path=str(OUT / "launcher-open-desktop.png"))

    # Escape closes and gives focus back to the button; Enter on the button opens again.
    message_box.focus()
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(launcher).to_be_focused()
    expect(launcher).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Enter")
    expect(panel).to_be_visible()
    expect(message_box).to_be_focused()
    # The close button in the panel's header does the same as Escape.
    page.get_by_role("button", name="Close chat", exact=True).click()
    expect(panel).to_be_hidden()
    expect(launcher).to_be_focused()

    # Reload while closed: still closed, same session; opening shows the conversation.
    page.reload()
    wait_connected(page, hidden_ok=True)
    assert session_id(page) == sid
    expect(panel).to_be_hidden()
    expect(launcher).to_have_attribute("aria-expanded", "false")
    launcher.click()
    expect(page.locator(".backstop-user .backstop-text").first).to_have_text("hi")
    assert page.locator(".backstop-log .backstop-msg").all_inner_texts() == shown_before

    # Reload while open: open again at once, the conversation on screen, focus not taken from the page.
    page.reload()
    wait_connected(page)
    expect(panel).to_be_visible()
    expect(launcher).to_have_attribute("aria-expanded", "true")
    assert page.locator(".backstop-log .backstop-msg").all_inner_texts() == shown_before
    assert page.evaluate("document.activeElement === document.body")
    replies = say(page, "what is DOMS?")
    assert any(r.strip() for r in replies), replies
    said = user_texts(servers.tracker(sid))
    assert said[0] == "hi" and said[-1] == "what is DOMS?", said
    assert not real_errors(errors), errors
    context.close()


def test_launcher_unread_badge(browser: Any, servers: Backstop) -> None:
    from playwright.sync_api import expect

    OUT.mkdir(parents=True, exist_ok=True)
    context, page, errors = open_page(browser, url=LAUNCHER_URL)
    launcher = page.locator(".backstop-launcher")
    badge = page.locator(".backstop-badge")
    expect(badge).to_be_hidden()
    launcher.click()
    say(page, "hi")

    # Send, and close before the answer is there: the answer arrives while the panel is closed.
    before = bot_count(page)
    page.get_by_label("Message to Backstop").fill("what is DOMS?")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    expect(page.locator(".backstop-widget")).to_be_hidden()
    wait_replies(page, before)
    unread = bot_count(page) - before
    assert unread >= 1
    noun = "new message" if unread == 1 else "new messages"
    expect(badge).to_be_visible()
    expect(badge).to_have_text(str(unread))
    expect(launcher).to_have_attribute("aria-label", f"Open chat with Backstop, {unread} {noun}")
    expect(page.get_by_role("button", name=f"{unread} {noun}")).to_be_visible()
    expect(page.locator(".backstop-host > [role=status]")).to_have_text(f"{unread} {noun} from Backstop")
    assert axe_violations(page) == []
    page.screenshot(path=str(OUT / "launcher-unread-desktop.png"))

    # The count is still there after a reload; opening the panel clears it.
    page.reload()
    wait_connected(page, hidden_ok=True)
    expect(badge).to_have_text(str(unread))
    launcher.click()
    expect(badge).to_be_hidden()
    expect(launcher).to_have_attribute("aria-label", "Close chat with Backstop")
    expect(page.locator(".backstop-log .backstop-bot").last).to_be_visible()
    page.keyboard.press("Escape")
    page.reload()
    wait_connected(page, hidden_ok=True)
    expect(badge).to_be_hidden()
    assert not real_errors(errors), errors
    context.close()


def test_launcher_phone_width(browser: Any, servers: Backstop) -> None:
    from playwright.sync_api import expect

    OUT.mkdir(parents=True, exist_ok=True)
    width, height = 390, 844
    context, page, errors = open_page(browser, width=width, height=height, url=LAUNCHER_URL)
    launcher = page.locator(".backstop-launcher")
    panel = page.locator(".backstop-widget")
    expect(launcher).to_be_visible()
    box = launcher.bounding_box()
    assert box and 0 < box["x"] and box["x"] + box["width"] <= width and box["y"] + box["height"] <= height, box
    page.screenshot(path=str(OUT / "launcher-closed-phone.png"))

    # Every control of the page can be scrolled clear of the button, a link at the very
    # bottom-right of the page too (the widget leaves room for the button below the page).
    page.evaluate("""() => document.querySelector('footer .wrap').insertAdjacentHTML(
        'beforeend', '<a href="#visit" id="last-link">Privacy</a>')""")
    covered = page.evaluate("""() => {
        const b = document.querySelector('.backstop-launcher');
        const covered = [];
        for (const el of document.querySelectorAll('a[href], button, input, select, textarea')) {
            if (el.closest('.backstop-host') || !el.getClientRects().length) continue;
            el.scrollIntoView({block: 'center'});
            const r = el.getBoundingClientRect(), l = b.getBoundingClientRect();
            if (r.width && r.right > l.left && r.left < l.right && r.bottom > l.top && r.top < l.bottom)
                covered.push(el.outerHTML.slice(0, 80));
        }
        window.scrollTo(0, 0);
        return covered;
    }""")
    assert covered == [], covered

    # Open: the panel is the whole screen, with a visible close button; the corner button steps aside.
    launcher.click()
    expect(panel).to_be_visible()
    assert panel.bounding_box() == {"x": 0, "y": 0, "width": width, "height": height}
    close = page.get_by_role("button", name="Close chat", exact=True)
    expect(close).to_be_visible()
    close_box = close.bounding_box()
    assert close_box and close_box["x"] + close_box["width"] <= width and close_box["y"] >= 0, close_box
    expect(launcher).to_be_hidden()
    expect(page.get_by_label("Message to Backstop")).to_be_focused()
    replies = say(page, "hi")
    assert any(r.strip() for r in replies), replies
    send = page.get_by_role("button", name="Send", exact=True).bounding_box()
    assert send and send["x"] + send["width"] <= width and send["y"] + send["height"] <= height, send
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert axe_violations(page) == []
    page.screenshot(path=str(OUT / "launcher-open-phone.png"))

    # The close button closes it and focus goes back to the button in the corner.
    close.click()
    expect(panel).to_be_hidden()
    expect(launcher).to_be_visible()
    expect(launcher).to_be_focused()
    assert axe_violations(page) == []
    assert not real_errors(errors), errors
    context.close()


def test_launcher_from_the_script_tag_alone(browser: Any, servers: Backstop) -> None:
    """The README's one-tag snippet: no div, the script tag carries data-mode and data-server."""
    from playwright.sync_api import expect

    html = ('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Clinic</title>'
            '<link rel="icon" href="data:,"></head>'
            '<body><main><h1>A clinic page</h1><p>Text.</p></main>'
            f'<script src="/static/backstop-widget.js" data-mode="launcher" data-server="{RASA_URL}"></script>'
            '</body></html>')
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors = watch_errors(page)
    # A page of the allowed origin with the snippet and nothing else. (Not page.route: Chromium's
    # local network access check stops a page that did not come from 127.0.0.1 reaching Rasa.)
    page.goto(f"{ORIGIN}/health")
    page.set_content(html)
    wait_connected(page, hidden_ok=True)
    launcher = page.get_by_role("button", name="Open chat with Backstop")
    expect(launcher).to_be_visible()
    assert page.locator("body > [data-backstop-chat] .backstop-launcher").count() == 1
    launcher.click()
    replies = say(page, "hi")
    assert any(r.strip() for r in replies), replies
    assert axe_violations(page) == []
    assert not real_errors(errors), errors
    context.close()


def test_phone_width(browser: Any, servers: Backstop) -> None:
    from playwright.sync_api import expect

    OUT.mkdir(parents=True, exist_ok=True)
    context, page, errors = open_page(browser, width=360, height=740)
    widget = page.locator(".backstop-widget")
    expect(widget.locator(".backstop-notice")).to_contain_text(DISCLAIMER)
    say(page, "what can you do?")
    expect(widget.locator(".backstop-bot ul li").first).to_be_visible()  # "- " bullets became a list
    say(page, "sharp pain on the left after squats this morning")
    widget.scroll_into_view_if_needed()
    page.screenshot(path=str(OUT / "chat-phone.png"))
    # Nothing sticks out sideways at 360 px.
    widths = page.evaluate("""() => ({page: document.documentElement.scrollWidth,
        widget: document.querySelector('.backstop-widget').getBoundingClientRect().right})""")
    assert widths["page"] <= 360 and widths["widget"] <= 360, widths
    buttons = widget.locator(".backstop-quick-replies button")
    if buttons.count():
        box = buttons.first.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 360, box
    # the tracker has this session's messages too, under the socket.io channel
    sid = session_id(page)
    tracker = http("GET", f"{RASA_URL}/conversations/{sid}/tracker")[1]
    assert [e.get("input_channel") for e in tracker["events"] if e["event"] == "user"][0] == "socketio"

    # "New chat" forgets the conversation on this device and starts a new session.
    widget.get_by_role("button", name="Start a new chat").click()
    expect(widget.locator(".backstop-log .backstop-msg")).to_have_count(0)
    page.wait_for_function("sid => { const w = document.querySelector('.backstop-widget'); "
                           "return w.dataset.state === 'connected' && w.dataset.sessionId "
                           "&& !w.dataset.sessionId.startsWith(sid); }", arg=sid)
    assert session_id(page) != sid
    assert say(page, "hi")
    assert not real_errors(errors), errors
    context.close()


# --- Isolation and origin, with a raw socket.io client (python-socketio, long-polling transport:
# its websocket transport needs a package the project does not otherwise use) and in Chromium ---

def _client_session(origin: str = ORIGIN, session: str | None = None, timeout: float = 60) -> tuple[Any, str, list]:
    """A connected raw socket.io client, the token it was confirmed, and the bot messages it gets."""
    import socketio

    client = socketio.Client(reconnection=False)
    confirmed: list[str] = []
    said: list[dict] = []
    client.on("session_confirm", lambda data: confirmed.append(data))
    client.on("bot_uttered", lambda data: said.append(data))
    client.connect(RASA_URL, headers={"Origin": origin}, transports=["polling"], wait_timeout=timeout)
    client.emit("session_request", {"session_id": session})
    deadline = time.time() + timeout
    while not confirmed and time.time() < deadline:
        time.sleep(0.1)
    assert confirmed, "no session_confirm"
    return client, confirmed[0], said


def _close(client: Any) -> None:
    """Leave without waiting for the pending long-poll: on a client's close the server does not answer
    it (python-engineio), so a plain disconnect() waits out the client's 30 s read timeout."""
    client.eio.disconnect(abort=True)


def _wait_said(said: list, n: int = 1, seconds: float = 90) -> list:
    deadline = time.time() + seconds
    while len(said) < n and time.time() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)
    return said


def _conversation_ids(servers: Backstop) -> set[str]:
    import sqlite3

    with sqlite3.connect(servers.workdir / "tracker.db") as db:
        return {row[0] for row in db.execute("SELECT DISTINCT sender_id FROM events")}


def test_socket_sessions_cannot_be_named_or_forged(servers: Backstop) -> None:
    import socketio

    # A socket asking for a phone number's or another channel's conversation gets a fresh session.
    for wanted in ("+15551234567", "telegram:12345", "a" * 32, "a" * 32 + "." + "b" * 32):
        client, token, _ = _client_session(session=wanted)
        assert token != wanted and token.partition(".")[0] not in wanted, (wanted, token)
        _close(client)

    # Alice chats; her token resumes her conversation (a reload).
    alice, alice_token, alice_said = _client_session()
    alice.emit("user_uttered", {"message": "hi", "session_id": alice_token})
    assert _wait_said(alice_said), "Alice got no reply"
    alice_id = alice_token.partition(".")[0]
    assert alice_id in _conversation_ids(servers)
    _close(alice)
    again, resumed, _ = _client_session(session=alice_token)
    assert resumed == alice_token
    _close(again)

    # Mallory has her own session and names Alice's token, then Alice's bare id: refused, nothing stored.
    before = len(servers.tracker(alice_id)["events"])
    mallory, mallory_token, mallory_said = _client_session()
    mallory.emit("user_uttered", {"message": "what did I tell you?", "session_id": alice_token})
    mallory.emit("user_uttered", {"message": "/restart", "session_id": alice_id})
    said = _wait_said(mallory_said, 2, seconds=15)
    assert [m.get("text") for m in said] == [channel_socketio.REFUSED] * 2, said
    assert len(servers.tracker(alice_id)["events"]) == before
    assert mallory_token.partition(".")[0] not in _conversation_ids(servers)
    _close(mallory)

    # A socket that never asked for a session cannot send messages for any.
    raw = socketio.Client(reconnection=False)
    raw_said: list = []
    raw.on("bot_uttered", lambda data: raw_said.append(data))
    raw.connect(RASA_URL, headers={"Origin": ORIGIN}, transports=["polling"])
    raw.emit("user_uttered", {"message": "hi", "session_id": alice_token})
    assert [m.get("text") for m in _wait_said(raw_said, 1, seconds=15)] == [channel_socketio.REFUSED]
    assert len(servers.tracker(alice_id)["events"]) == before
    _close(raw)


def test_socket_origin_is_enforced(browser: Any, servers: Backstop) -> None:
    import socketio

    # raw client: an allowed origin connects, another site's is refused
    client, _, _ = _client_session(origin=ORIGIN)
    _close(client)
    refused = socketio.Client(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        refused.connect(RASA_URL, headers={"Origin": "https://evil.example"}, transports=["polling"], wait_timeout=10)
    # the websocket handshake is checked too: refused before any upgrade
    for transport in ("polling", "websocket"):
        status, body = http("GET", f"{RASA_URL}/socket.io/?EIO=4&transport={transport}",
                            headers={"Origin": "https://evil.example"})
        assert status == 400 and "not an accepted origin" in str(body), (transport, status, body)
    # Chromium: the same widget served from an origin not in BACKSTOP_CORS never connects
    context = browser.new_context()
    page = context.new_page()
    page.goto(OTHER_SITE_URL)
    time.sleep(5)
    assert page.evaluate("document.querySelector('.backstop-widget').dataset.state") != "connected"
    assert page.evaluate("document.querySelector('.backstop-widget').getAttribute('data-session-id')") is None
    context.close()


def test_a_burst_of_messages_over_long_polling_is_not_dropped(servers: Backstop) -> None:
    """A polling client flushes its buffered messages in one POST (e.g. after a reconnect);
    python-engineio used to discard a POST of more than 16 packets without a word."""
    import json

    base = f"{RASA_URL}/socket.io/?EIO=4&transport=polling"
    headers = {"Origin": ORIGIN, "Content-Type": "text/plain;charset=UTF-8"}
    _, opened = http("GET", base, headers=headers)
    sid = json.loads(str(opened)[1:])["sid"]
    url = f"{base}&sid={sid}"

    def post(*packets: str) -> None:
        status, body = http("POST", url, raw="\x1e".join(packets).encode(), headers=headers)
        assert status == 200 and str(body).lower() == "ok", (status, body)

    def events(seconds: float, until: Any) -> list:
        got: list = []
        deadline = time.time() + seconds
        while time.time() < deadline and not until(got):
            _, body = http("GET", url, headers=headers, timeout=30)
            for packet in str(body).split("\x1e"):
                if packet.startswith("42"):
                    got.append(json.loads(packet[2:]))
                elif packet == "2":  # engine.io ping
                    post("3")
        return got

    post("40")
    events(10, lambda got: True)
    post('42["session_request",{}]')
    confirm = events(30, lambda got: any(e[0] == "session_confirm" for e in got))
    token = next(e[1] for e in confirm if e[0] == "session_confirm")
    burst = 20
    message = json.dumps(["user_uttered", {"message": "what is DOMS?", "session_id": token}])
    post(*[f"42{message}"] * burst)

    def answers(got: list) -> int:
        return sum(1 for e in got if e[0] == "bot_uttered"
                   and "Delayed onset muscle soreness" in (e[1].get("text") or ""))

    got = events(120, lambda got: answers(got) >= burst)
    assert answers(got) == burst, f"{answers(got)} of {burst} messages answered"


def test_fuzzed_socket_events_never_break_the_channel(servers: Backstop) -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    junk = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=40),
                        lambda c: st.lists(c, max_size=3) | st.dictionaries(
                            st.sampled_from(["message", "session_id", "metadata", "customData", "x"]), c, max_size=4),
                        max_leaves=8)
    client, token, said = _client_session()

    @settings(max_examples=25, deadline=None)
    @given(event=st.sampled_from(["user_uttered", "session_request", "unknown_event"]), data=junk)
    def check(event: str, data: Any) -> None:
        client.emit(event, data)
        assert client.connected

    log = servers.workdir / "rasa.log"
    start = log.stat().st_size
    try:
        check()
        time.sleep(1)
        with open(log, "rb") as f:
            f.seek(start)
            assert b"Traceback" not in f.read(), "a fuzzed event raised in the server (see rasa.log)"
        # the socket's session_request answers may have rebound it; ask once more, then chat normally
        _close(client)
        client, token, said = _client_session(session=token)
        client.emit("user_uttered", {"message": "what is DOMS?", "session_id": token})
        assert any("Delayed onset muscle soreness" in (m.get("text") or "") for m in _wait_said(said))
    finally:
        _close(client)


def test_a_checkin_survives_a_restart_and_arrives_once(servers: Backstop) -> None:
    client, token, said = _client_session()
    client.emit("user_uttered", {"message": "/request_checkin", "session_id": token})
    assert any("check in with you" in (m.get("text") or "") for m in _wait_said(said))
    asked = time.time()
    _close(client)
    servers.stop_rasa()  # the check-in must not live only in this process
    servers.start_rasa(extra=["--cors", ORIGIN])
    client, resumed, said = _client_session(session=token)  # the page reconnects to its session
    assert resumed == token
    try:
        deadline = max(asked + CHECKIN_SECONDS, time.time()) + 20  # the restart may outlast the delay
        while time.time() < deadline:
            time.sleep(1)
        checkins = [m for m in said if "checking in" in (m.get("text") or "")]
        assert len(checkins) == 1, said
        events = servers.tracker(token.partition(".")[0])["events"]
        intents = [(e.get("parse_data") or {}).get("intent", {}).get("name") for e in events if e["event"] == "user"]
        assert intents.count("EXTERNAL_checkin") == 1, intents
    finally:
        _close(client)
