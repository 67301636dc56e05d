#!/usr/bin/env python3
"""End-to-end test of signing in on PostgreSQL: people and tokens made with the CLI (`user`, `token`, `audit`
with `--database`), then two `smiley-hub serve --database postgres://…` processes on one throwaway server
(run under scripts/with-postgres.sh). A person signs in on one hub over HTTP, sees the account page on both,
signs out on one and is signed out on both; a wrong password is refused with the same words; an API token
revoked through one hub, or with the CLI, is refused by the other hub process at its next request; the
database holds the session cookie, the token and the password link only as their hashes.

usage: scripts/with-postgres.sh python3 Tests/system/postgres_people.py BIN_DIRECTORY
"""
import hashlib
import http.client
import re

import hubtest
from hubtest import browse

TEST = hubtest.SystemTest(__doc__, "smiley-people-")
PG = hubtest.Postgres("smiley_people")
check, run, psql = TEST.check, TEST.run, PG.text
PASSWORD = "correct horse battery"
REFUSAL = "That name, password and code do not match an account."


def csrf_field(body):
    match = re.search(r'name="csrf" value="([^"]*)"', body)
    return match.group(1) if match else None


def main():
    PG.create()
    db = PG.args
    run("smiley-hub", "centre", "add", "paro-dcrc", *db, "--name", "Paro DCRC", "--time-zone", "Asia/Thimphu")
    output = run("smiley-hub", "user", "add", "dorji", "--role", "manager", "--centre", "paro-dcrc", *db,
                 "--password-stdin", "--bcrypt-cost", "4", stdin=PASSWORD + "\n")
    check("user add --database adds a manager", "added manager dorji" in output, output)
    output = run("smiley-hub", "user", "add", "pema", "--role", "viewer", "--centre", "paro-dcrc", *db,
                 "--hub-url", "https://hub.example")
    link = re.search(r"set-password\?token=([0-9a-f]+)", output)
    check("user add --database prints a one-time link", link is not None, output)
    output = run("smiley-hub", "user", "add", "dorji", "--role", "viewer", "--centre", "paro-dcrc", *db, expect=1)
    check("the same name again is refused by name", "user 'dorji' already exists" in output, output)
    output = run("smiley-hub", "user", "list", *db)
    check("user list --database", "dorji\tmanager\tcentre paro-dcrc\t" in output
          and "pema\tviewer\tcentre paro-dcrc\tno password yet" in output, output)
    script_token = run("smiley-hub", "token", "create", "dorji", "--name", "nightly", *db).strip()
    cli_token = run("smiley-hub", "token", "create", "dorji", "--name", "weekly", *db).strip()
    check("token create --database prints a token", script_token.startswith("smiley_pat_"), script_token)

    hubs = [hubtest.Hub(TEST, "a", PG.args), hubtest.Hub(TEST, "b", PG.args)]
    a, b = hubs
    status, body, _, _ = a.sign_in("dorji", "not the password")
    check("a wrong password is refused with the SQLite hub's words", status == 401 and REFUSAL in body,
          (status, body[:300]))
    status, body, _, _ = b.sign_in("nobody", PASSWORD)
    check("an unknown name gets the same words", status == 401 and REFUSAL in body, status)
    status, _, session, location = a.sign_in("dorji", PASSWORD)
    check("dorji signs in on hub a", status == 303 and location == "/" and session, (status, location))
    status, page, _, _ = browse(a.url + "/account/tokens", cookies={"smiley_session": session})
    check("the account page on hub a", status == 200 and "Signed in as <strong>dorji</strong>" in page
          and "nightly" in page, status)
    status, page_b, _, _ = browse(b.url + "/account/tokens", cookies={"smiley_session": session})
    check("the same session opens the account page on hub b", status == 200 and "nightly" in page_b, status)
    status, body, _, _ = browse(b.url + "/", cookies={"smiley_session": session})
    check("the overview is served on PostgreSQL", status == 200 and "Paro DCRC" in body, status)
    status, body, _, _ = browse(b.url + "/centres/paro-dcrc", cookies={"smiley_session": session})
    check("a centre's page is served on PostgreSQL", status == 200 and "Paro DCRC" in body, status)
    events = http.client.HTTPConnection("127.0.0.1", b.port, timeout=60)
    events.request("GET", "/events", headers={"Cookie": f"smiley_session={session}"})
    response = events.getresponse()
    check("live updates are served on PostgreSQL: the session opens an event stream on hub b",
          response.status == 200 and response.getheader("Content-Type") == "text/event-stream"
          and response.readline().startswith(b"retry:"), response.status)
    events.close()
    status, _, cookies, location = browse(a.url + "/logout", {"csrf": csrf_field(page)},
                                           cookies={"smiley_session": session})
    check("signing out on hub a", status == 303 and location == "/login" and cookies.get("smiley_session") == "",
          (status, location, cookies))
    status, _, _, location = browse(b.url + "/account/tokens", cookies={"smiley_session": session})
    check("hub b knows the session ended", status == 303 and location == "/login", (status, location))

    status, _, _, _ = browse(b.url + "/account/tokens", bearer=script_token)
    check("hub b takes the script's token", status == 200, status)
    _, _, session, _ = a.sign_in("dorji", PASSWORD)
    status, page, _, _ = browse(a.url + "/account/tokens", cookies={"smiley_session": session})
    token_id = psql("SELECT id FROM api_token WHERE name = 'nightly'").strip()
    status, _, _, _ = browse(a.url + f"/account/tokens/{token_id}/revoke", {"csrf": csrf_field(page)},
                              cookies={"smiley_session": session})
    check("revoking the token on hub a's page", status == 303, status)
    status, body, _, _ = browse(b.url + "/account/tokens", bearer=script_token)
    check("hub b refuses the revoked token at once", status == 401 and "revoked API token" in body, (status, body))
    cli_id = psql("SELECT id FROM api_token WHERE name = 'weekly'").strip()
    status, _, _, _ = browse(a.url + "/account/tokens", bearer=cli_token)
    check("hub a takes the other token", status == 200, status)
    output = run("smiley-hub", "token", "revoke", cli_id, *db)
    status, _, _, _ = browse(a.url + "/account/tokens", bearer=cli_token)
    check("token revoke --database: hub a refuses it at once", "revoked token" in output and status == 401, status)

    # pema's link: shown by one hub, redeemed through the other, then spent on both.
    status, page, cookies, _ = browse(a.url + f"/set-password?token={link.group(1)}")
    check("the link's page on hub a", status == 200, status)
    chosen = "a long passphrase for pema"
    status, body, _, _ = browse(
        b.url + "/set-password",
        {"token": link.group(1), "password": chosen, "confirm": chosen, "csrf": cookies.get("smiley_form")},
        cookies={"smiley_form": cookies.get("smiley_form")})
    check("the form signed by hub a is taken by hub b (one key in the database)",
          status == 200 and "Password set" in body, (status, body[:300]))
    check("the link is spent on both hubs", browse(a.url + f"/set-password?token={link.group(1)}")[0] == 410
          and browse(b.url + f"/set-password?token={link.group(1)}")[0] == 410)
    check("pema signs in with the new password", a.sign_in("pema", chosen)[2] is not None)

    stored = psql("SELECT string_agg(t::text, ' ') FROM session t") + psql(
        "SELECT string_agg(t::text, ' ') FROM api_token t") + psql("SELECT string_agg(t::text, ' ') FROM password_link t")
    check("cookie, tokens and link are stored only as their SHA-256",
          all(secret not in stored for secret in [session, script_token, cli_token, link.group(1)])
          and hashlib.sha256(session.encode()).hexdigest() in stored
          and hashlib.sha256(script_token.encode()).hexdigest() in stored)
    run("smiley-hub", "user", "add", "root", "--role", "administrator", *db, "--password-stdin", "--bcrypt-cost", "4",
        stdin=PASSWORD + "\n")
    _, _, admin, _ = b.sign_in("root", PASSWORD)
    status, body, _, _ = browse(b.url + "/admin/audit", cookies={"smiley_session": admin})
    check("an administrator reads the audit log on hub b", status == 200 and "token-revoke" in body, status)
    _, _, manager, _ = b.sign_in("dorji", PASSWORD)
    status, _, _, _ = browse(b.url + "/admin/audit", cookies={"smiley_session": manager})
    check("a manager may not", status == 403, status)
    output = run("smiley-hub", "audit", "--limit", "50", *db)
    for action in ["user-add", "token-create", "login-failed", "login", "logout", "token-revoke", "password-set"]:
        check(f"audit --database shows {action}", f"\t{action}\t" in output, output[-500:])
    run("smiley-hub", "user", "email", "dorji", "d@example.bt", *db)
    check("user email --database sets the address on PostgreSQL",
          psql("SELECT email FROM person WHERE name = 'dorji'").strip() == "d@example.bt")
    output = run("smiley-hub", "user", "email", "dorji", "not an address", *db, expect=1)
    check("… refuses what is not an address, naming it, and keeps the one held",
          "'not an address' is not an e-mail address" in output
          and psql("SELECT email FROM person WHERE name = 'dorji'").strip() == "d@example.bt", output)
    run("smiley-hub", "user", "email", "dorji", "--none", *db)
    check("… and clears it with --none", psql("SELECT email IS NULL FROM person WHERE name = 'dorji'").strip() == "t")
    for hub in hubs:
        hub.stop()


TEST.finish(main)
