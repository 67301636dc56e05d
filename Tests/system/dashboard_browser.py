#!/usr/bin/env python3
"""Browser tests of the managers' dashboard against a running demo hub: headless Chromium driven by
Selenium (Debian's chromium and chromium-driver), accessibility checked with axe-core
(axe-selenium-python).

usage: dashboard_browser.py HUB_URL HUB_STORE SMILEY_HUB_BINARY --logins FILE [--screenshots DIR]

HUB_STORE is where the hub keeps its data, as smiley-hub's commands are told: its state directory (SQLite)
or its postgres://… database URL. FILE is the demo's demo-logins.json: the administrator's and the manager's
names and passwords, and an administrator's API token for reading the JSON API beside the browser.
The demo's alerts have a failed e-mail delivery (no manager has an address), whose Retry button is tested.

Prints one line per check and ends with "browser tests: N passed, N failed"; exits 1 on any failure.
"""
import csv
import datetime
import io
import json
import re
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

hub, store, hub_binary = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]
# How smiley-hub's commands reach the hub's data: a PostgreSQL URL, or the state directory of hub.sqlite.
STORE = ["--database", store] if store.startswith("postgres://") else ["--state-directory", store]
screenshots = sys.argv[sys.argv.index("--screenshots") + 1] if "--screenshots" in sys.argv else None
logins = json.load(open(sys.argv[sys.argv.index("--logins") + 1]))
CENTRE = "thimphu-dcrc"
MINIMUM = 5
PRESETS = {
    "today": "Today",
    "yesterday": "Yesterday",
    "this-week": "This week",
    "last-week": "Last week",
    "last-4-weeks": "Last 4 weeks",
    "last-13-weeks": "Last 13 weeks",
}
THIMPHU = datetime.timezone(datetime.timedelta(hours=6))
passed = failed = 0


def check(name):
    def run(function):
        global passed, failed
        try:
            function()
            print(f"✔ {name}")
            passed += 1
        except Exception:
            print(f"✘ {name}")
            traceback.print_exc()
            failed += 1
        return function

    return run


def fetch(path):
    request = urllib.request.Request(hub + path, headers={"Authorization": f"Bearer {logins['apiToken']}"})
    with urllib.request.urlopen(request, timeout=20) as response:
        return response.read().decode()


def api(path):
    return json.loads(fetch(path))


def wait(condition, seconds=20, message="condition"):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {seconds} s waiting for {message}")


options = Options()
options.binary_location = "/usr/bin/chromium"
for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1800"):
    options.add_argument(argument)
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
driver.set_page_load_timeout(30)
today = datetime.datetime.now(THIMPHU).date()


def expected_window(preset):
    monday = today - datetime.timedelta(days=today.weekday())
    return {
        "today": (today, today),
        "yesterday": (today - datetime.timedelta(days=1),) * 2,
        "this-week": (monday, today),
        "last-week": (monday - datetime.timedelta(days=7), monday - datetime.timedelta(days=1)),
        "last-4-weeks": (today - datetime.timedelta(days=27), today),
        "last-13-weeks": (today - datetime.timedelta(days=90), today),
    }[preset]


def click(by, value, attempts=5):
    """Finds an element and clicks it. A live page replaces its figures (links and sort headers
    included) in place when a press arrives; an element found just before that goes stale, and a
    person would click the new one, so the click is tried again on the element as it is now."""
    for attempt in range(attempts):
        try:
            driver.find_element(by, value).click()
            return
        except StaleElementReferenceException:
            if attempt == attempts - 1:
                raise


def snapshot(selector):
    """Every element matching selector as plain data (its data-* attributes, visible text, background
    image and markup), read in one script: the live updates replace a centre page's figures in place
    whenever a press arrives, so elements found one by one can go stale between two reads."""
    return driver.execute_script(
        """
        return Array.from(document.querySelectorAll(arguments[0])).map(function (element) {
          var data = {};
          for (var i = 0; i < element.attributes.length; i++) {
            data[element.attributes[i].name] = element.attributes[i].value;
          }
          return {attributes: data, text: element.innerText,
                  background: getComputedStyle(element).backgroundImage, html: element.outerHTML};
        });
        """,
        selector,
    )


def describe(window):
    start, end = window
    return str(start) if start == end else f"{start} to {end}"


def previous(window):
    start, end = window
    shift = datetime.timedelta(days=((end - start).days + 1 + 6) // 7 * 7)
    return (start - shift, end - shift)


def sign_in(who):
    driver.get(f"{hub}/login")
    driver.find_element(By.NAME, "username").send_keys(logins[who]["name"])
    driver.find_element(By.NAME, "password").send_keys(logins[who]["password"])
    driver.find_element(By.CSS_SELECTOR, "form.person button[type=submit]").click()
    wait(lambda: "/login" not in driver.current_url, message=f"signed in as {who}")


def hub_command(*arguments, stdin=None):
    """Runs a `smiley-hub` command on the hub's data; its standard output."""
    result = subprocess.run([hub_binary, *arguments, *STORE], capture_output=True, text=True, input=stdin)
    assert result.returncode == 0, (arguments, result.returncode, result.stderr)
    return result.stdout


def deliveries(centre):
    """The centre's alert deliveries as `smiley-hub alert deliveries` lists them:
    {delivery id: {"alert": id, "channel": …, "state": …, "attempts": n, "line": …}}."""
    found = {}
    for line in hub_command("alert", "deliveries", "--centre", centre).splitlines():
        match = re.match(r"delivery (\d+)\talert (\d+) \w+\t(\w+)\t(\w+) after (\d+) attempt", line)
        if match:
            found[int(match.group(1))] = {
                "alert": int(match.group(2)), "channel": match.group(3), "state": match.group(4),
                "attempts": int(match.group(5)), "line": line}
    return found


def failed_delivery(centre):
    """(id, delivery) of a failed delivery of the centre's alerts, or None."""
    failed = [(id, delivery) for id, delivery in sorted(deliveries(centre).items()) if delivery["state"] == "failed"]
    return failed[0] if failed else None


def axe_serious(page):
    """axe-core's results on the page as it is drawn now, with its serious and critical violations."""
    from axe_selenium_python import Axe

    axe = Axe(driver)
    axe.inject()
    results = axe.run()
    assert len(results["passes"]) > 10, f"axe checked almost nothing on {page}"
    serious = [(page, violation["id"], violation["help"], [n["target"] for n in violation["nodes"]][:3])
               for violation in results["violations"] if violation["impact"] in ("serious", "critical")]
    return results, serious


def sign_out():
    driver.find_element(By.CSS_SELECTOR, "form.sign-out button").click()
    wait(lambda: driver.current_url.endswith("/login"), message="signed out")


try:

    @check("the administrator signs in through the form and the pages say who is signed in")
    def _():
        driver.get(f"{hub}/centres/{CENTRE}")
        assert driver.current_url.endswith("/login"), driver.current_url
        sign_in("administrator")
        assert "Signed in as admin" in driver.find_element(By.CSS_SELECTOR, "header.site").text

    @check("each window link shows its window and says which dates it holds")
    def _():
        driver.get(f"{hub}/centres/{CENTRE}")
        assert driver.find_element(By.CSS_SELECTOR, "[data-window-label]").text == "Last 4 weeks"
        for preset, label in PRESETS.items():
            click(By.LINK_TEXT, label)
            wait(lambda: f"window={preset}" in driver.current_url, message=f"{preset} page")
            shown = driver.find_element(By.CSS_SELECTOR, "[data-window-label]").text
            dates = driver.find_element(By.CSS_SELECTOR, "[data-window-dates]").text
            assert shown == label, (shown, label)
            assert dates == describe(expected_window(preset)), (preset, dates)
            current = driver.find_element(By.CSS_SELECTOR, "nav.windows a[aria-current]").text
            assert current == label, current
            # The comparison names the period before: the same weekdays, whole weeks earlier.
            for comparison in snapshot(".comparison"):
                assert describe(previous(expected_window(preset))) in comparison["text"], comparison["text"]
                assert comparison["attributes"].get("data-verdict") in (
                    "better", "worse", "no-clear-change", "too-few-presses")

    @check("chosen dates from the form show exactly that window, with its press count from the API")
    def _():
        start, end = today - datetime.timedelta(days=9), today - datetime.timedelta(days=3)
        driver.get(f"{hub}/centres/{CENTRE}")
        for name, value in (("from", start), ("to", end)):
            field = driver.find_element(By.NAME, name)
            driver.execute_script("arguments[0].value = arguments[1]", field, str(value))
        click(By.CSS_SELECTOR, "form.custom button")
        wait(lambda: f"from={start}" in driver.current_url, message="custom window")
        assert driver.find_element(By.CSS_SELECTOR, "[data-window-label]").text == "Chosen dates"
        assert driver.find_element(By.CSS_SELECTOR, "[data-window-dates]").text == f"{start} to {end}"
        for question in ("satisfaction", "accessibility"):
            body = api(f"/api/v1/centres/{CENTRE}/heatmap?question={question}&from={start}&to={end}")
            shown = driver.find_element(By.CSS_SELECTOR, f"#question-{question} .presses").get_attribute("data-presses")
            assert int(shown) == body["presses"], (question, shown, body["presses"])

    @check("cells with too few presses show their count, hatched, with no index colour")
    def _():
        seen_few = seen_scored = 0
        for preset in ("today", "yesterday", "this-week", "last-4-weeks"):
            driver.get(f"{hub}/centres/{CENTRE}?window={preset}")
            for cell in snapshot("table.heatmap td.few"):
                seen_few += 1
                count = int(cell["attributes"]["data-count"])
                assert 0 < count < MINIMUM and "data-index" not in cell["attributes"], cell["html"]
                assert "gradient" in cell["background"], cell["html"]
                assert str(count) in cell["text"], cell["html"]
            for cell in snapshot("table.heatmap td.scored"):
                seen_scored += 1
                assert int(cell["attributes"]["data-count"]) >= MINIMUM, cell["html"]
                assert cell["attributes"]["data-index"] in cell["text"], cell["html"]
        assert seen_few > 0 and seen_scored > 0, (seen_few, seen_scored)

    @check("the heatmap draws only opening hours and no Sunday")
    def _():
        driver.get(f"{hub}/centres/{CENTRE}?window=last-4-weeks")
        cells = snapshot("table.heatmap td")
        hours = {cell["attributes"].get("data-hour") for cell in cells}
        weekdays = {cell["attributes"].get("data-weekday") for cell in cells}
        assert hours == {str(h) for h in range(9, 17)}, hours
        assert weekdays == {str(d) for d in range(1, 7)}, weekdays

    @check("the export's rows add up to what the heatmap API says")
    def _():
        # Four weeks ending yesterday (the centre's calendar, Asia/Thimphu): the demo keeps pressing today,
        # and the export, the CSV and the API are three requests that must see the same presses.
        yesterday = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=6)).date() - datetime.timedelta(days=1)
        window = f"from={yesterday - datetime.timedelta(days=27)}&to={yesterday}"
        driver.get(f"{hub}/centres/{CENTRE}?{window}")
        href = driver.find_element(By.CSS_SELECTOR, "a[data-export=csv]").get_attribute("href")
        rows = list(csv.DictReader(io.StringIO(fetch(href.replace(hub, "")))))
        assert rows and {row["centre"] for row in rows} == {CENTRE}
        for question in ("satisfaction", "accessibility"):
            body = api(f"/api/v1/centres/{CENTRE}/heatmap?question={question}&{window}")
            mine = [row for row in rows if row["question"] == question]
            assert sum(int(row["count"]) for row in mine) == body["presses"] + body["outsideOpeningHours"]
            by_cell = {}
            for row in mine:
                moment = datetime.datetime.strptime(row["local_hour"], "%Y-%m-%dT%H:%M")
                key = (moment.isoweekday(), moment.hour)
                by_cell[key] = by_cell.get(key, 0) + int(row["count"])
            for cell in body["cells"]:
                # Rows on holidays fall in a weekday-hour cell but count as outside opening hours.
                assert cell["count"] <= by_cell.get((cell["weekday"], cell["hour"]), 0), cell
        as_json = json.loads(fetch(driver.find_element(By.CSS_SELECTOR, "a[data-export=json]").get_attribute("href").replace(hub, "")))
        assert sum(row["count"] for row in as_json["rows"]) == sum(int(row["count"]) for row in rows)

    @check("the overview lists both centres, links to their pages and sorts by a column")
    def _():
        driver.get(f"{hub}/?window=last-4-weeks")
        # Read in one script: the demo's own presses refresh the overview's rows in place.
        centres = driver.execute_script(
            "return Array.from(document.querySelectorAll('table.overview tbody tr'), row => row.dataset.centre)")
        assert sorted(centres) == ["paro-dcrc", "thimphu-dcrc"], centres
        click(By.LINK_TEXT, "Presses")
        wait(lambda: "sort=presses" in driver.current_url, message="sorted page")
        counts = driver.execute_script(
            "return Array.from(document.querySelectorAll('td[data-presses]'), cell => Number(cell.dataset.presses))")
        assert counts == sorted(counts, reverse=True), counts
        click(By.LINK_TEXT, "Thimphu Dzongkhag Civil Registration and Census")
        wait(lambda: f"/centres/{CENTRE}" in driver.current_url, message="centre page")
        assert driver.find_element(By.CSS_SELECTOR, "[data-window-label]").text == "Last 4 weeks"

    @check("a press sent to the hub appears on today's page without a reload")
    def _():
        token_file = tempfile.mktemp(prefix="smiley-browser-token-")
        subprocess.run(
            [hub_binary, "device", "add", "browser-test", "--centre", CENTRE, *STORE, "--token-file", token_file], check=True, capture_output=True)
        token = open(token_file).read().strip()
        driver.get(f"{hub}/centres/{CENTRE}?window=today")
        driver.execute_script("window.smileyMarker = 42")
        # "Live: …" once the event stream opens; "Updated at …" replaces it when one of the demo's own
        # presses has already refreshed the page, which also says the stream is open.
        wait(lambda: driver.find_element(By.ID, "live-status").text.startswith(("Live", "Updated at")),
             message="live updates")

        def shown():
            # Read in one script: a refresh for one of the demo's own presses can replace the figures
            # between two separate reads.
            presses = snapshot("#question-satisfaction .presses")[0]["attributes"]["data-presses"]
            outside = snapshot("#question-satisfaction [data-outside]")
            return int(presses) + (int(outside[0]["attributes"]["data-outside"]) if outside else 0)

        before = shown()
        now = int(time.time() * 1000)
        batch = {
            "device": "browser-test", "centre": CENTRE,
            "clock": {"boot": "browser", "monotonicNanos": 2_000_000_000, "wallClockMillis": now, "synchronised": True},
            "presses": [{
                "device": "browser-test", "boot": "browser", "sequence": 1, "question": "satisfaction",
                "answer": "very-unhappy", "monotonicNanos": 1_000_000_000, "wallClockMillis": now - 1000,
                "clockSynchronised": True, "suppressed": False}],
        }
        request = urllib.request.Request(
            f"{hub}/api/v1/ingest", data=json.dumps(batch).encode(), method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=20) as response:
            assert json.load(response)["accepted"] == 1
        wait(lambda: shown() >= before + 1, seconds=10, message="the new press on the page")
        assert driver.execute_script("return window.smileyMarker") == 42, "the page was reloaded"
        assert "Updated at" in driver.find_element(By.ID, "live-status").text

    @check("the pages work without JavaScript: the same figures, no live updates needed")
    def _():
        html = fetch(f"/centres/{CENTRE}?window=last-week")
        assert '<table class="heatmap"' in html and 'data-live="false"' in html

    @check("keyboard: the first Tab reaches the skip link, which leads to the figures")
    def _():
        driver.get(f"{hub}/centres/{CENTRE}")
        driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
        active = driver.switch_to.active_element
        assert active.get_attribute("class") == "skip" and active.get_attribute("href").endswith("#main")

    @check("axe-core finds no serious or critical accessibility violations on the overview and a centre page")
    def _():
        from axe_selenium_python import Axe

        problems = []
        for path in ("/?window=last-4-weeks", f"/centres/{CENTRE}?window=last-13-weeks", f"/centres/paro-dcrc?window=today"):
            driver.get(hub + path)
            axe = Axe(driver)
            axe.inject()
            results = axe.run()
            assert len(results["passes"]) > 10, f"axe checked almost nothing on {path}"
            for violation in results["violations"]:
                if violation["impact"] in ("serious", "critical"):
                    problems.append((path, violation["id"], violation["help"], [n["target"] for n in violation["nodes"]][:3]))
        assert not problems, problems

    @check("a manager of one centre sees only it; after signing out, the back button shows no figures; "
           "the sign-in page passes axe-core")
    def _():
        sign_out()
        sign_in("manager")
        mine = logins["manager"]["centre"]
        driver.get(f"{hub}/?window=last-4-weeks")
        # Read in one script: the demo's own presses refresh the overview's rows in place.
        centres = driver.execute_script(
            "return Array.from(document.querySelectorAll('table.overview tbody tr'), row => row.dataset.centre)")
        assert centres == [mine], centres
        assert "Thimphu Dzongkhag" not in driver.page_source
        driver.get(f"{hub}/centres/{CENTRE}")
        assert "unknown centre" in driver.page_source and "Thimphu Dzongkhag" not in driver.page_source
        assert not driver.find_elements(By.CSS_SELECTOR, "table.heatmap")
        driver.get(f"{hub}/centres/{mine}?window=last-4-weeks")
        assert driver.find_elements(By.CSS_SELECTOR, "table.heatmap td[data-count]")
        sign_out()
        driver.back()
        time.sleep(1)
        assert driver.current_url.endswith("/login") or not driver.find_elements(By.CSS_SELECTOR, "table.heatmap td"), (
            driver.current_url)
        assert "data-count" not in driver.page_source
        driver.get(f"{hub}/centres/{mine}")
        assert driver.current_url.endswith("/login"), driver.current_url
        from axe_selenium_python import Axe

        axe = Axe(driver)
        axe.inject()
        serious = [v["id"] for v in axe.run()["violations"] if v["impact"] in ("serious", "critical")]
        assert not serious, ("the sign-in page", serious)
        sign_in("administrator")

    @check("a quote followed by a combining mark in a centre's name or a typed user name adds no attribute")
    def _():
        # Mustache compared whole characters, so '"' + U+0301 was not escaped and ended an attribute.
        hostile = 'Hostile "\u0301 onmouseover=alert(1) data-injected="\u0301 <\u0301b> &\u0301'
        injected = "return document.querySelectorAll('[onmouseover], [data-injected]').length"
        subprocess.run(
            [hub_binary, "centre", "add", "hostile-name", "--name", hostile, "--time-zone", "Asia/Thimphu", *STORE], check=True, capture_output=True)
        for path in ("/?window=last-4-weeks", "/centres/hostile-name"):
            driver.get(hub + path)
            assert driver.execute_script(injected) == 0, path
            assert "onmouseover=alert(1)" in driver.find_element(By.TAG_NAME, "main").text, path
        sign_out()
        driver.get(f"{hub}/login")
        driver.execute_script(
            "arguments[0].value = arguments[1]", driver.find_element(By.NAME, "username"), hostile)
        driver.find_element(By.NAME, "password").send_keys("not the password")
        driver.find_element(By.CSS_SELECTOR, "form.person button[type=submit]").click()
        wait(lambda: driver.find_elements(By.ID, "sign-in-problem"), message="the refusal")
        assert driver.execute_script(injected) == 0, "the sign-in page"
        shown = driver.execute_script("return document.querySelector('input[name=username]').value")
        assert shown == hostile, shown
        sign_in("administrator")

    RETRY_CENTRE = logins["manager"]["centre"]

    @check("a failed alert delivery shows the centre's manager a Retry button, which passes axe-core with the "
           "rest of the page")
    def _():
        # The demo's e-mail finds no recipient (no manager has an address): the hub gave the delivery up.
        id, delivery = wait(lambda: failed_delivery(RETRY_CENTRE), seconds=60,
                            message=f"a failed delivery of an alert of {RETRY_CENTRE}")
        assert "no recipients" in delivery["line"], delivery
        sign_out()
        sign_in("manager")
        driver.get(f"{hub}/centres/{RETRY_CENTRE}")
        form = f"form.retry-delivery[data-delivery-id='{id}']"
        forms = snapshot(form)
        assert len(forms) == 1, (form, [f["html"] for f in snapshot("form.retry-delivery")])
        assert forms[0]["attributes"]["action"] == f"/centres/{RETRY_CENTRE}/deliveries/{id}/retry", forms[0]
        assert forms[0]["attributes"]["method"] == "post", forms[0]
        shown = snapshot(f"#alert-{delivery['alert']} .delivery[data-channel=email]")
        assert len(shown) == 1 and shown[0]["attributes"]["data-delivery-state"] == "failed", shown
        assert f"failed after {delivery['attempts']} attempts: no recipients" in shown[0]["text"], shown
        button = driver.find_element(By.CSS_SELECTOR, f"{form} button")
        assert button.is_displayed() and button.text == "Retry the e-mail delivery", button.text
        results, serious = axe_serious(f"/centres/{RETRY_CENTRE} as its manager")
        assert not serious, serious
        scanned = [node["html"] for rule in results["passes"] for node in rule["nodes"]]
        assert any("Retry the e-mail delivery" in html for html in scanned), "axe did not reach the Retry button"

    @check("pressing Retry sets the delivery pending again; the hub tries it once more "
           "(alert deliveries and the audit log confirm)")
    def _():
        id, delivery = failed_delivery(RETRY_CENTRE)
        before = delivery["attempts"]
        driver.get(f"{hub}/centres/{RETRY_CENTRE}")
        click(By.CSS_SELECTOR, f"form.retry-delivery[data-delivery-id='{id}'] button")
        wait(lambda: driver.current_url.endswith(f"/centres/{RETRY_CENTRE}#alerts"), message="back on the centre page")
        shown = snapshot(f"#alert-{delivery['alert']} .delivery[data-channel=email]")
        assert len(shown) == 1, shown
        state, text = shown[0]["attributes"]["data-delivery-state"], shown[0]["text"]
        # Pending again, due now; if the hub's delivery pass came between the press and the page, it has
        # already tried once more (and failed as before, with no recipients).
        assert (state == "pending" and f"e-mail retrying ({before} failed)" in text) or (
            state == "failed" and f"failed after {before + 1} attempts" in text), (state, text)
        if state == "pending":
            assert not snapshot(f"form.retry-delivery[data-delivery-id='{id}']"), "a pending delivery offers Retry"
        def tried_again():
            now = deliveries(RETRY_CENTRE)[id]
            return now if now["attempts"] == before + 1 and now["state"] == "failed" else None

        # The hub's delivery pass comes every 15 s: it tries the delivery once more, and gives it up again.
        after = wait(tried_again, seconds=120, message=f"the hub's attempt {before + 1} at delivery {id}")
        assert "no recipients" in after["line"], after
        audit = hub_command("audit", "--limit", "50")
        assert re.search(rf"\t{logins['manager']['name']}\tretry delivery\t{RETRY_CENTRE} delivery {id}\t", audit), audit
        driver.get(f"{hub}/centres/{RETRY_CENTRE}")
        shown = snapshot(f"#alert-{delivery['alert']} .delivery[data-channel=email]")
        assert f"failed after {before + 1} attempts" in shown[0]["text"], shown
        assert len(snapshot(f"form.retry-delivery[data-delivery-id='{id}']")) == 1, "no Retry button again"

    @check("a viewer of the centre sees the delivery's state but no Retry button, and the hub refuses "
           "the viewer's retry (403)")
    def _():
        id, delivery = failed_delivery(RETRY_CENTRE)
        logins["viewer"] = {"name": "browser-viewer", "password": "a viewer's password of this test"}
        hub_command("user", "add", logins["viewer"]["name"], "--role", "viewer", "--centre", RETRY_CENTRE,
                    "--password-stdin", stdin=logins["viewer"]["password"] + "\n")
        sign_out()
        sign_in("viewer")
        driver.get(f"{hub}/centres/{RETRY_CENTRE}")
        shown = snapshot(f"#alert-{delivery['alert']} .delivery[data-channel=email]")
        assert len(shown) == 1 and shown[0]["attributes"]["data-delivery-state"] == "failed", shown
        assert not snapshot("form.retry-delivery"), "a viewer is offered Retry"
        assert "Retry the" not in driver.page_source
        status = driver.execute_async_script(
            """
            const done = arguments[arguments.length - 1];
            fetch(arguments[0], {method: "POST", body: new URLSearchParams({csrf: "none"})})
              .then(response => done(response.status), error => done(String(error)));
            """,
            f"/centres/{RETRY_CENTRE}/deliveries/{id}/retry")
        assert status == 403, status
        now = deliveries(RETRY_CENTRE)[id]
        assert now["state"] == "failed" and now["attempts"] == delivery["attempts"], (delivery, now)
        sign_out()
        sign_in("administrator")

    if screenshots:
        for name, path in (("overview", "/?window=last-4-weeks"), ("centre", f"/centres/{CENTRE}?window=last-13-weeks")):
            driver.get(hub + path)
            height = driver.execute_script("return document.body.scrollHeight")
            driver.set_window_size(1400, min(max(height, 900), 5000))
            driver.save_screenshot(f"{screenshots}/{name}.png")
            driver.set_window_size(1400, 1800)
finally:
    driver.quit()

print(f"browser tests: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
