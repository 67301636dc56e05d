import Foundation
import GRDB
import Hummingbird
import HummingbirdBcrypt
import HummingbirdTesting
import SmileyCore
import SmileyHub
import Testing

/// Signing in and out, sessions, CSRF, the sign-in limit, tokens, password links and the audit log.
@Suite struct AccessTests {
    static let password = "correct horse battery"

    /// A hub with the read-side fixture's centres, a manager of Paro with a password, and a movable clock.
    struct Hub {
        let database: HubDatabase
        let clock: MovableClock
        let logs = LogCapture()

        init() throws {
            let fixture = try ReadSideFixture()
            database = fixture.database
            clock = MovableClock(fixture.nowMillis)
            try database.addPerson(
                "dorji", role: .manager, grants: [.centre(ReadSideFixture.centre)],
                passwordHash: try Self.hash(AccessTests.password), by: "test", nowMillis: 0)
        }

        /// The cheapest cost, as AccessSettings.testing uses.
        static func hash(_ password: String) throws -> String { Bcrypt.hash(password, cost: 4) }

        func app(access: AccessSettings = .testing) throws -> some ApplicationProtocol {
            Application(
                router: try buildRouter(database: database, clock: clock.clock, access: access), logger: logs.logger)
        }

        var actions: [String] { (try? database.auditEntries().map(\.action)) ?? [] }
    }

    @Test func signingInSetsAStrictHttpOnlySessionCookieAndSigningOutEndsIt() async throws {
        let hub = try Hub()
        try await hub.app().test(.router) { client in
            let anonymous = try await client.send(.get, "/centres/paro-dcrc")
            #expect(anonymous.status == .seeOther && anonymous.headers[.location] == "/login")
            #expect(try await client.send(.get, "/api/v1/centres").status == .unauthorized)

            let (cookie, reply) = try await client.signIn("dorji", Self.password)
            #expect(reply.status == .seeOther && reply.headers[.location] == "/")
            let header = try #require(reply.cookie("smiley_session")?.header)
            #expect(header.contains("HttpOnly") && header.contains("SameSite=Strict") && header.contains("Path=/"))
            #expect(!header.contains("Secure"))
            let session = try #require(cookie)
            let page = try await client.send(.get, "/centres/paro-dcrc", cookie: session)
            #expect(page.status == .ok && page.body.contains("Signed in as <strong>dorji</strong>"))
            #expect(page.headers[.cacheControl] == "no-store")
            #expect(try await client.send(.get, "/centres/haa-dcrc", cookie: session).status == .notFound)

            let signOut = try await client.send(
                .post, "/logout", cookie: session, form: [("csrf", try #require(page.csrfField))])
            #expect(signOut.status == .seeOther && signOut.headers[.location] == "/login")
            #expect(signOut.cookie("smiley_session")?.header.contains("Max-Age=0") == true)
            // The old cookie opens nothing any more, even if a browser kept it.
            #expect(try await client.send(.get, "/centres/paro-dcrc", cookie: session).status == .seeOther)
        }
        #expect(hub.actions.contains("login") && hub.actions.contains("logout"))
    }

    @Test func overHTTPSTheSessionCookieIsSecure() async throws {
        let hub = try Hub()
        var access = AccessSettings.testing
        access.secureCookies = true
        try await hub.app(access: access).test(.router) { client in
            let (_, reply) = try await client.signIn("dorji", Self.password)
            #expect(reply.cookie("smiley_session")?.header.contains("Secure") == true)
        }
    }

    @Test func formsWithoutTheirCSRFTokenAreRefused() async throws {
        let hub = try Hub()
        try await hub.app().test(.router) { client in
            // Sign-in: no token, a token of our own making, or a form token without its cookie.
            let form = [("username", "dorji"), ("password", Self.password)]
            #expect(try await client.send(.post, "/login", form: form).status == .forbidden)
            #expect(
                try await client.send(.post, "/login", form: form + [("csrf", "a.b")], formCookie: "a.b").status
                    == .forbidden)
            let page = try await client.send(.get, "/login")
            let token = try #require(page.cookie("smiley_form")?.value)
            #expect(try await client.send(.post, "/login", form: form + [("csrf", token)]).status == .forbidden)
            let forged = String(token.dropLast()) + (token.hasSuffix("0") ? "1" : "0")
            #expect(
                try await client.send(.post, "/login", form: form + [("csrf", forged)], formCookie: forged).status
                    == .forbidden)

            let session = try #require(try await client.signIn("dorji", Self.password).cookie)
            // Sign-out and token changes need the session's own token.
            #expect(try await client.send(.post, "/logout", cookie: session, form: []).status == .forbidden)
            #expect(
                try await client.send(.post, "/logout", cookie: session, form: [("csrf", token)]).status == .forbidden)
            #expect(try await client.send(.get, "/", cookie: session).status == .ok)
            let create = try await client.send(
                .post, "/account/tokens", cookie: session, form: [("name", "x"), ("csrf", "no")])
            #expect(create.status == .forbidden)
            #expect(try hub.database.apiTokens(of: "dorji").isEmpty)
            // An API token cannot make more tokens.
            let token2 = try hub.database.createAPIToken(
                for: "dorji", name: "s", expiresMillis: nil, by: "test", nowMillis: 0)
            #expect(
                try await client.send(.post, "/account/tokens", bearer: token2.token, form: [("name", "y")]).status
                    == .forbidden)
        }
    }

    @Test func sessionsEndAfterThirtyIdleMinutesAndTwelveHoursInAll() async throws {
        let hub = try Hub()
        try await hub.app().test(.router) { client in
            let idle = try #require(try await client.signIn("dorji", Self.password).cookie)
            hub.clock.advance(minutes: 29)
            #expect(try await client.send(.get, "/", cookie: idle).status == .ok)
            hub.clock.advance(minutes: 29)  // used 29 minutes ago: still alive
            #expect(try await client.send(.get, "/", cookie: idle).status == .ok)
            hub.clock.advance(minutes: 31)
            #expect(try await client.send(.get, "/", cookie: idle).headers[.location] == "/login")

            let busy = try #require(try await client.signIn("dorji", Self.password).cookie)
            for _ in 0..<35 {  // used every 20 minutes for 11 h 40 min
                hub.clock.advance(minutes: 20)
                #expect(try await client.send(.get, "/api/v1/centres", cookie: busy).status == .ok)
            }
            hub.clock.advance(minutes: 21)  // 12 h 1 min after signing in
            #expect(try await client.send(.get, "/api/v1/centres", cookie: busy).status == .unauthorized)
        }
    }

    @Test func failedSignInsAreLimitedPerAccountWithoutSayingWhichNamesExist() async throws {
        let hub = try Hub()
        try await hub.app().test(.router) { client in
            let unknown = try await client.signIn("nobody", Self.password).reply
            let wrong = try await client.signIn("dorji", "not the password").reply
            #expect(unknown.status == .unauthorized && wrong.status == .unauthorized)
            let message = "That name, password and code do not match an account."
            #expect(unknown.body.contains(message) && wrong.body.contains(message))
            #expect(
                unknown.body.replacingOccurrences(of: "nobody", with: "dorji")
                    .replacingOccurrences(of: unknown.csrfField!, with: wrong.csrfField!) == wrong.body)
            for _ in 0..<4 { _ = try await client.signIn("dorji", "still wrong") }
            // Five failures in 15 minutes: even the right password waits now, with the same words for everyone.
            let limited = try await client.signIn("dorji", Self.password)
            #expect(limited.reply.status == .tooManyRequests && limited.cookie == nil)
            #expect(limited.reply.body.contains("Too many failed sign-ins. Wait 15 minutes"))
            hub.clock.advance(minutes: 16)
            #expect(try await client.signIn("dorji", Self.password).cookie != nil)
        }
        #expect(hub.actions.filter { $0 == "login-failed" }.count == 6)
        #expect(hub.actions.contains("login-refused"))
    }

    @Test func theThrottleCountsPerAddressToo() {
        var throttle = LoginThrottle(limits: .init(failuresPerAccount: 5, failuresPerAddress: 3, windowMillis: 60_000))
        for (index, name) in ["a", "b", "c"].enumerated() {
            #expect(throttle.wait(account: name, address: "10.0.0.1", nowMillis: Int64(index)) == nil)
            throttle.recordFailure(account: name, address: "10.0.0.1", nowMillis: Int64(index))
        }
        #expect(throttle.wait(account: "d", address: "10.0.0.1", nowMillis: 10) == 59_990)
        #expect(throttle.wait(account: "d", address: "10.0.0.2", nowMillis: 10) == nil)
        #expect(throttle.wait(account: "d", address: "10.0.0.1", nowMillis: 60_000) == nil)
        throttle.recordSuccess(account: "a")
        #expect(throttle.wait(account: "a", address: "10.0.0.9", nowMillis: 10) == nil)
    }

    @Test func aSecondFactorIsAskedForAfterTheRightPassword() async throws {
        let hub = try Hub()
        let secret = "JBSWY3DPEHPK3PXP"
        try hub.database.setTOTPSecret(secret, of: "dorji", by: "test", nowMillis: 0)
        try await hub.app().test(.router) { client in
            // A wrong password never reaches the second step.
            let wrong = try await client.signIn("dorji", "not the password")
            #expect(wrong.reply.status == .unauthorized && !wrong.reply.body.contains("/login/code"))
            let first = try await client.signIn("dorji", Self.password)
            #expect(
                first.cookie == nil && first.reply.status == .ok && first.reply.body.contains(#"action="/login/code""#))
            let step = try #require(first.reply.cookie("smiley_second_step")?.value)
            let form = try #require(first.reply.cookie("smiley_form")?.value)
            #expect(!step.contains("dorji"))
            func code(_ code: String, step: String, form: String) async throws -> Reply {
                try await client.send(
                    .post, "/login/code", form: [("code", code), ("csrf", form)], formCookie: form, secondStep: step)
            }
            let bad = try await code("000000", step: step, form: form)
            #expect(bad.status == .unauthorized && bad.cookie("smiley_session") == nil)
            // A forged or stale first step is refused like an expired form.
            let forged = step.replacingOccurrences(of: String(step.prefix(4)), with: "6576")
            #expect(try await code("000000", step: forged, form: form).status == .forbidden)
            let right = String(format: "%06d", SecondFactor.code(secret: secret, atMillis: hub.clock.now))
            let signedIn = try await code(right, step: step, form: form)
            #expect(signedIn.status == .seeOther && signedIn.cookie("smiley_session") != nil)
            hub.clock.advance(minutes: 6)
            let late = String(format: "%06d", SecondFactor.code(secret: secret, atMillis: hub.clock.now))
            #expect(try await code(late, step: step, form: form).status == .forbidden)
        }
        #expect(hub.actions.filter { $0 == "login-failed" }.count == 2)
    }

    @Test func aOneTimeLinkSetsThePasswordOnce() async throws {
        let hub = try Hub()
        try hub.database.addPerson(
            "pema", role: .viewer, grants: [.centre(ReadSideFixture.centre)], passwordHash: nil, by: "test",
            nowMillis: 0)
        let link = try hub.database.issuePasswordLink(
            for: "pema", expiresMillis: hub.clock.now + 3_600_000, by: "test", nowMillis: hub.clock.now)
        let chosen = "a long passphrase for pema"
        try await hub.app().test(.router) { client in
            // Without a password nobody signs in as pema, not even with an empty one.
            #expect(try await client.signIn("pema", "").cookie == nil)
            let page = try await client.send(.get, "/set-password?token=\(link)")
            #expect(page.status == .ok)
            let token = try #require(page.cookie("smiley_form")?.value)
            let short = try await client.send(
                .post, "/set-password",
                form: [("token", link), ("password", "short"), ("confirm", "short"), ("csrf", token)],
                formCookie: token)
            #expect(short.status == .badRequest && short.body.contains("at least 12 characters"))
            let set = try await client.send(
                .post, "/set-password",
                form: [("token", link), ("password", chosen), ("confirm", chosen), ("csrf", token)],
                formCookie: token)
            #expect(set.status == .ok && set.body.contains("Password set"))
            #expect(try await client.send(.get, "/set-password?token=\(link)").status == .gone)
            let session = try #require(try await client.signIn("pema", chosen).cookie)
            // A viewer reads pages but does not take exports or hold tokens.
            #expect(try await client.send(.get, "/centres/paro-dcrc", cookie: session).status == .ok)
            #expect(try await client.send(.get, "/api/v1/export", cookie: session).status == .forbidden)
            #expect(try await client.send(.get, "/account/tokens", cookie: session).status == .forbidden)
        }
        hub.clock.advance(minutes: 120)
        let expired = try hub.database.issuePasswordLink(
            for: "pema", expiresMillis: hub.clock.now + 60_000, by: "test", nowMillis: hub.clock.now)
        hub.clock.advance(minutes: 2)
        try await hub.app().test(.router) { client in
            let reply = try await client.send(.get, "/set-password?token=\(expired)")
            #expect(reply.status == .gone)
        }
    }

    @Test func personalTokensAreShownOnceScopedAndRevocable() async throws {
        let hub = try Hub()
        try await hub.app().test(.router) { client in
            let session = try #require(try await client.signIn("dorji", Self.password).cookie)
            let page = try await client.send(.get, "/account/tokens", cookie: session)
            let created = try await client.send(
                .post, "/account/tokens", cookie: session,
                form: [("name", "nightly <report>"), ("days", "30"), ("csrf", try #require(page.csrfField))])
            #expect(created.status == .created && created.body.contains("nightly &lt;report&gt;"))
            let tokenRange = try #require(created.body.range(of: #"id="new-token">"#))
            let token = String(created.body[tokenRange.upperBound...].prefix { $0 != "<" })
            #expect(token.hasPrefix("smiley_pat_"))
            // Shown once: the list afterwards does not hold it.
            #expect(!(try await client.send(.get, "/account/tokens", cookie: session).body.contains(token)))
            let centres = try await client.send(.get, "/api/v1/centres", bearer: token)
            #expect(centres.status == .ok && centres.body.contains("paro-dcrc") && !centres.body.contains("haa-dcrc"))
            #expect(try await client.send(.get, "/api/v1/export?format=csv", bearer: token).status == .ok)
            // Personal tokens do not open device endpoints.
            #expect(try await client.send(.get, "/api/v1/devices/paro-exit-1", bearer: token).status == .unauthorized)
            let id = try #require(try hub.database.apiTokens(of: "dorji").first?.id)
            let revoked = try await client.send(
                .post, "/account/tokens/\(id)/revoke", cookie: session, form: [("csrf", try #require(page.csrfField))])
            #expect(revoked.status == .seeOther)
            #expect(try await client.send(.get, "/api/v1/centres", bearer: token).status == .unauthorized)
            // Tokens expire by the hub's clock.
            let short = try hub.database.createAPIToken(
                for: "dorji", name: "short", expiresMillis: hub.clock.now + 60_000, by: "test", nowMillis: hub.clock.now
            )
            #expect(try await client.send(.get, "/api/v1/centres", bearer: short.token).status == .ok)
            hub.clock.advance(minutes: 2)
            #expect(try await client.send(.get, "/api/v1/centres", bearer: short.token).status == .unauthorized)
        }
    }

    @Test func passwordHashesNeverReachLogsOrAnswers() async throws {
        let hub = try Hub()
        let link = try hub.database.issuePasswordLink(
            for: "dorji", expiresMillis: hub.clock.now + 3_600_000, by: "test", nowMillis: hub.clock.now)
        let bodies = try await hub.app().test(.router) { client in
            var seen: [String] = []
            let (session, reply) = try await client.signIn("dorji", Self.password)
            seen.append(reply.body)
            seen.append(try await client.signIn("dorji", "wrong password!").reply.body)
            seen.append(try await client.signIn("ghost", "wrong password!").reply.body)
            for path in [
                "/", "/centres/paro-dcrc", "/account/tokens", "/api/v1/centres", "/set-password?token=\(link)",
            ] {
                seen.append(try await client.send(.get, path, cookie: session).body)
            }
            return seen
        }
        let dorji = try #require(try hub.database.people().first { $0.name == "dorji" })
        #expect(dorji.hasPassword)
        for text in bodies + hub.logs.all {
            #expect(!text.contains("$2b$") && !text.contains("$2a$") && !text.contains("$2y$"), "\(text.prefix(300))")
            #expect(!text.contains(Self.password), "\(text.prefix(300))")
        }
        #expect(!hub.logs.all.isEmpty)
    }

    @Test func auditedActionsWriteTheirRows() async throws {
        let hub = try Hub()
        let database = hub.database
        try database.addGroup("western", by: "admin-cli", nowMillis: 0)
        try database.setGroup("western", centre: ReadSideFixture.centre, by: "admin-cli", nowMillis: 0)
        try database.addPerson(
            "tashi", role: .viewer, grants: [.group("western")], passwordHash: nil, by: "admin-cli", nowMillis: 0)
        try database.grant([.centre(ReadSideFixture.other)], to: "tashi", by: "admin-cli", nowMillis: 0)
        try database.revoke([.centre(ReadSideFixture.other)], from: "tashi", by: "admin-cli", nowMillis: 0)
        _ = try database.issuePasswordLink(for: "tashi", expiresMillis: 1, by: "admin-cli", nowMillis: 0)
        try database.setPasswordHash(nil, of: "tashi", by: "admin-cli", nowMillis: 0)
        try database.removePerson("tashi", by: "admin-cli", nowMillis: 0)
        let token = try database.createAPIToken(
            for: "dorji", name: "n", expiresMillis: nil, by: "admin-cli", nowMillis: 0)
        try await hub.app().test(.router) { client in
            _ = try await client.signIn("dorji", "wrong")
            let session = try #require(try await client.signIn("dorji", Self.password).cookie)
            _ = try await client.send(
                .get, "/api/v1/centres/paro-dcrc/export?format=json&window=last-week", bearer: token.token)
            let page = try await client.send(.get, "/", cookie: session)
            _ = try await client.send(.post, "/logout", cookie: session, form: [("csrf", try #require(page.csrfField))])
        }
        try database.revokeAPIToken(token.id, by: "admin-cli", nowMillis: 0)
        let entries = try database.auditEntries()
        for action in [
            "group-add", "centre-group", "user-add", "user-grant", "user-revoke", "password-link",
            "user-reset-password",
            "user-remove", "token-create", "login-failed", "login", "export", "logout", "token-revoke",
        ] {
            #expect(entries.contains { $0.action == action }, "\(action)")
        }
        let export = try #require(entries.first { $0.action == "export" })
        #expect(export.actor == "dorji" && export.detail == "json of 2026-11-16 to 2026-11-22, centres: paro-dcrc")
        // Administrators read it on a page; others may not.
        try database.addPerson(
            "root", role: .administrator, grants: [], passwordHash: try Hub.hash(Self.password), by: "t", nowMillis: 0)
        try await hub.app().test(.router) { client in
            let admin = try #require(try await client.signIn("root", Self.password).cookie)
            let page = try await client.send(.get, "/admin/audit", cookie: admin)
            #expect(page.status == .ok && page.body.contains("token-revoke") && page.body.contains("paro-dcrc"))
            let manager = try #require(try await client.signIn("dorji", Self.password).cookie)
            #expect(try await client.send(.get, "/admin/audit", cookie: manager).status == .forbidden)
        }
    }

    @Test func auditLinesPrintControlCharactersAsEscapes() throws {
        let database = try HubDatabase(writer: DatabaseQueue())
        try database.audit(
            actor: "eve\u{1b}[2J", action: "login-failed", detail: "name\twith\ntab\u{202e}", address: "10.0.0.1",
            nowMillis: 0)
        let line = try #require(try database.auditEntries().first).printableLine
        #expect(line == "1970-01-01T00:00:00Z\teve\\u{1b}[2J\tlogin-failed\tname\\u{9}with\\u{a}tab\\u{202e}\t10.0.0.1")
    }
}
