"""A grid worker registers a dispute from a phone-sized Chromium window.

Uses Debian's Chromium through Playwright; Playwright's own browser downloads are never used.
"""

import os
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, VALID_ID

# Playwright's sync API runs an event loop in this thread; Django would otherwise refuse the
# ORM calls the fixtures make from it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
OUTPUT = Path(__file__).resolve().parent.parent / "test-output"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def phone_page():
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed: run `make test` as root, or `apt-get install chromium`.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()
            # While Playwright's loop runs, Django keeps this thread's connection in a
            # context-local slot that the test database teardown never sees; close it here.
            from django.db import connections

            connections.close_all()


def whole_page_screenshot(page, path):
    """Grow the window to the page's height first, so sticky bars sit where a reader expects them."""
    viewport = page.viewport_size
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": viewport["width"], "height": height})
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(viewport)


def test_grid_worker_registers_a_case_on_a_phone(live_server, phone_page, org, grid_worker, dispute_type):
    from jiefen.cases.models import Case

    page = phone_page
    # The Content-Security-Policy allows no inline script: nothing on these pages may need one.
    violations = []
    page.on("console", lambda message: "Content Security Policy" in message.text and violations.append(message.text))
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", grid_worker.username)
    page.fill("#id_password", PASSWORD)
    page.click(".login-card button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert "我的工作" in page.inner_text("h1")

    page.click("nav.mainnav >> text=登记纠纷")
    page.wait_for_url(f"{live_server.url}/cases/new/")
    # Nothing may stick out sideways on a 375 px screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    page.fill("#id_title", "张某与李某排水沟纠纷")
    page.fill("#id_description", "两户因排水沟堵塞，雨水倒灌张某院内，发生争吵。")
    page.select_option("#id_dispute_type", label="邻里")
    # Choosing the village reloads the compound and grid lists through htmx; wait for the swap.
    with page.expect_response(lambda response: "/cases/new/places/" in response.url):
        page.select_option("#id_village", label="东村")
    page.wait_for_selector(".htmx-request, .htmx-swapping, .htmx-settling", state="detached")
    page.wait_for_selector("#id_grid option:has-text('东村第1网格')", state="attached")
    page.select_option("#id_compound", label="东苑小区")
    page.select_option("#id_grid", label="东村第1网格")
    page.fill("#id_address", "东村3组12号")
    page.fill("#id_parties-0-name", "张三")
    page.fill("#id_parties-0-id_number", VALID_ID)
    page.fill("#id_parties-0-phone", "138 0013 8000")
    page.fill("#id_parties-1-name", "李四")
    page.fill("#id_parties-1-phone", "13900139000")
    page.click("text=再添加一名当事人")
    page.wait_for_selector("#id_parties-2-name")
    page.wait_for_selector(".htmx-request, .htmx-swapping, .htmx-settling", state="detached")
    assert page.input_value("#id_parties-TOTAL_FORMS") == "3"

    OUTPUT.mkdir(exist_ok=True)
    whole_page_screenshot(page, OUTPUT / "intake-375.png")

    page.click("button:has-text('提交登记')")
    page.wait_for_url(f"{live_server.url}/cases/*/")
    body = page.inner_text("body")
    assert "已登记案件" in body
    assert "东村小马调解室" in body
    assert "1101**********002X" in body and "138****8000" in body
    whole_page_screenshot(page, OUTPUT / "intake-375-done.png")
    assert violations == []

    case = Case.objects.get()
    assert case.assigned_unit == org.village_room
    assert case.compound == org.compound
    assert list(case.parties.values_list("name", flat=True)) == ["张三", "李四"]
