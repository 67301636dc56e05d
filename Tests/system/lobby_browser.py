#!/usr/bin/env python3
"""Browser tests of the public results screen and its A4 poster against a running demo hub: headless
Chromium driven by Selenium, accessibility checked with axe-core (axe-selenium-python), the Dzongkha
text checked to be drawn with the Tibetan font the hub serves.

usage: lobby_browser.py --logins FILE [--screenshots DIR]

FILE is the demo's demo-logins.json; its "lobby" member holds the screen's and the poster's addresses
and the demo's two actions.

Prints one line per check and ends with "lobby browser tests: N passed, N failed"; exits 1 on any failure.
"""
import base64
import json
import sys
import traceback

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.print_page_options import PrintOptions

logins = json.load(open(sys.argv[sys.argv.index("--logins") + 1]))
screenshots = sys.argv[sys.argv.index("--screenshots") + 1] if "--screenshots" in sys.argv else None
lobby = logins["lobby"]
# The screen is Thimphu's: its own actions show, Paro's do not.
mine = [action for action in lobby["actions"] if action["centre"] == lobby["centre"]]
others = [action for action in lobby["actions"] if action["centre"] != lobby["centre"]]
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


options = Options()
options.binary_location = "/usr/bin/chromium"
for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1920,1080"):
    options.add_argument(argument)
options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
driver.set_page_load_timeout(30)

# The Tibetan font's state once the page's fonts have settled: every face named "DDC Uchen" and whether the
# Dzongkha elements ask for it first.
FONT_STATE = """
const done = arguments[arguments.length - 1];
document.fonts.ready.then(() => {
  const faces = [];
  document.fonts.forEach(face => { if (face.family.replace(/"/g, "") === "DDC Uchen") faces.push(face.status); });
  const dz = document.querySelector('[lang="dz"]');
  done({
    faces: faces,
    family: dz ? getComputedStyle(dz).fontFamily : "",
    check: document.fonts.check('40px "DDC Uchen"', dz ? dz.textContent : ""),
    text: dz ? dz.textContent : "",
  });
});
"""


def axe_problems():
    from axe_selenium_python import Axe

    axe = Axe(driver)
    axe.inject()
    results = axe.run()
    assert len(results["passes"]) > 5, "axe checked almost nothing"
    return [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
            for v in results["violations"] if v["impact"] in ("serious", "critical")]


try:
    @check("the lobby screen opens without signing in and shows last week's figures and its centre's action only")
    def _():
        driver.get(lobby["screen"])
        page = driver.page_source
        assert driver.find_element(By.TAG_NAME, "h1").text.startswith(lobby["centreName"]), driver.title
        assert "Last week:" in page and "What we did with your answers" in page
        figures = [element.text for element in driver.find_elements(By.CSS_SELECTOR, "[data-figure]")]
        assert len(figures) == 2 and all(text.isdigit() and 0 <= int(text) <= 100 for text in figures), figures
        assert mine and all(action["text"] in page for action in mine), mine
        assert others and not any(action["text"] in page for action in others), others
        assert driver.find_element(By.TAG_NAME, "body").get_attribute("data-refresh-seconds").isdigit()
        # The refresh script runs: the page's CSP allows it (by its hash) and nothing was refused.
        refused = [entry for entry in driver.get_log("browser") if "Content Security Policy" in entry["message"]]
        assert not refused, refused

    @check("the Dzongkha text is drawn with the Tibetan font the hub serves (document.fonts)")
    def _():
        driver.get(lobby["screen"])
        state = driver.execute_async_script(FONT_STATE)
        assert any("\u0f00" <= ch <= "\u0fff" for ch in state["text"]), state
        assert state["family"].replace('"', "").startswith("DDC Uchen"), state
        assert state["faces"] and all(status == "loaded" for status in state["faces"]), state
        assert state["check"], state

    @check("the lobby screen loads nothing from outside the hub")
    def _():
        driver.get(lobby["screen"])
        origin = lobby["screen"].split("/display/")[0]
        resources = driver.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name)")
        assert all(name.startswith(origin) for name in resources), resources

    @check("axe-core finds no serious or critical violations on the screen and the poster")
    def _():
        problems = []
        for url in (lobby["screen"], lobby["poster"]):
            driver.get(url)
            problems += [(url.rsplit("/", 1)[-1],) + problem for problem in axe_problems()]
        assert not problems, problems

    @check("the poster prints on one A4 page with the same figures, in Dzongkha too")
    def _():
        driver.get(lobby["poster"])
        state = driver.execute_async_script(FONT_STATE)
        assert state["faces"] and all(status == "loaded" for status in state["faces"]), state
        assert all(action["text"] in driver.page_source for action in mine), mine
        print_options = PrintOptions()
        print_options.page_width = 21.0
        print_options.page_height = 29.7
        pdf = base64.b64decode(driver.print_page(print_options))
        pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
        assert pdf.startswith(b"%PDF") and pages == 1, f"{pages} pages"

    if screenshots:
        driver.set_window_size(1920, 1080)
        driver.get(lobby["screen"])
        driver.execute_async_script(FONT_STATE)
        driver.save_screenshot(f"{screenshots}/lobby.png")
        driver.set_window_size(900, 1300)
        driver.get(lobby["poster"])
        driver.execute_async_script(FONT_STATE)
        driver.save_screenshot(f"{screenshots}/poster.png")
finally:
    driver.quit()

print(f"lobby browser tests: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
