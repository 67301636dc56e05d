import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import SmileyCore
import SmileyHub
import Testing

/// The public results screen and poster: reached with a display token only, revocable, bilingual, and
/// showing last week's figures and actions but nothing private.
@Suite struct LobbyTests {
    /// Paro with last week's presses (the fixture's clock is Wednesday 2026-11-25), an action, an open alert.
    func hub() throws -> ReadSideFixture {
        var fixture = try ReadSideFixture()
        try fixture.press(.veryUnhappy, 6, on: (2026, 11, 9), at: 9)
        try fixture.press(.veryHappy, 6, on: (2026, 11, 16), at: 9)
        try fixture.press(.veryUnhappy, 9, on: (2026, 11, 16), at: 15)
        try fixture.press(.happy, 5, on: (2026, 11, 17), at: 10)
        try fixture.press(.unhappy, 5, on: (2026, 11, 18), at: 11)
        try fixture.press(.happy, 2, on: (2026, 11, 19), at: 12)
        try fixture.database.addAction(
            centre: ReadSideFixture.centre, date: try LocalDate.parse("2026-11-16"), text: "A second counter <opened>",
            target: "Mon 09:00-12:00", by: "dorji", nowMillis: 0)
        let evidence = AlertEvidence(
            answers: 9, negative: 9, fromMillis: 0, toMillis: 1, firstPressMillis: nil, lastPressMillis: nil,
            summary: "private alert evidence")
        try fixture.database.apply(
            .open(AlertState(openedMillis: fixture.nowMillis, evidence: evidence)), centre: ReadSideFixture.centre,
            kind: .dip, subject: "satisfaction")
        return fixture
    }

    func app(_ fixture: ReadSideFixture, lobby: LobbySettings = LobbySettings()) throws -> some ApplicationProtocol {
        Application(
            router: try buildRouter(
                database: fixture.database, clock: .fixed(fixture.nowMillis), access: .testing, lobby: lobby))
    }

    @Test func theScreenShowsLastWeekInEnglishAndDzongkhaWithoutSigningIn() async throws {
        let fixture = try hub()
        let display = try fixture.database.createDisplayToken(
            centre: ReadSideFixture.centre, label: "entrance", by: "test", nowMillis: 0)
        let strings = try LobbyStrings.load()
        try await app(fixture).test(.router) { client in
            // A stale personal token in the request changes nothing: the people's middleware is not on this route.
            let reply = try await client.send(.get, "/display/\(display.token)", bearer: "not-a-token")
            #expect(reply.status == .ok)
            let page = reply.body
            // It reloads itself every 300 s with the one script the CSP allows, by the hash of its exact text.
            #expect(page.contains(#"<body data-refresh-seconds="300">"#))
            let script = try #require(
                page.components(separatedBy: "<script>").last?.components(separatedBy: "</script>").first)
            #expect(script.contains("location.reload()"))
            let hash = Data(SHA256.hash(data: Data(script.utf8))).base64EncodedString()
            let policy = try #require(reply.headers[.contentSecurityPolicy])
            #expect(policy.contains("default-src 'none'") && policy.contains("script-src 'sha256-\(hash)'"))
            #expect(page.contains("<span>Paro &lt;DCRC&gt;</span>") && !page.contains("Haa DCRC"))
            #expect(page.contains("Last week: Monday 16 November 2026 to Sunday 22 November 2026"))
            // Dzongkha from the strings file: Monday's name and the dates in Tibetan digits.
            #expect(page.contains("\(strings.weekdays[0]) ༢༠༢༦-༡༡-༡༦ – \(strings.weekdays[6]) ༢༠༢༦-༡༡-༢༢"))
            #expect(page.contains(strings["heading"]) && page.contains(strings["actions"]))
            // 27 presses, index 46 (WeeklyReportTests), better than the week before.
            #expect(page.contains(#"<span data-figure>46</span><span lang="dz">༤༦</span>"#))
            #expect(page.contains("out of 100, from 27 answers") && page.contains("༢༧"))
            #expect(page.contains(#"<p class="trend trend-better">Better than the week before</p>"#))
            #expect(page.contains("A second counter &lt;opened&gt;"))
            #expect(page.contains("Satisfaction before: 0, after: 100 — better"))
            #expect(!page.contains("private alert evidence") && !page.contains("paro-exit-1"))
            #expect(!page.contains("src=\"http") && !page.contains("href=\"http") && !page.contains("url(\"http"))
            #expect(page.contains(#"src: url("/display-font/uchen.ttf")"#))

            let poster = try await client.send(.get, "/display/\(display.token)/poster")
            #expect(poster.status == .ok && poster.body.contains("@page { size: A4 portrait;"))
            #expect(poster.body.contains(strings["posterTitle"]) && poster.body.contains("༤༦"))
        }
    }

    @Test func revokedAndUnknownTokensSayPlainlyWhy() async throws {
        let fixture = try hub()
        let display = try fixture.database.createDisplayToken(
            centre: ReadSideFixture.centre, label: "old screen", by: "test", nowMillis: 0)
        try fixture.database.revokeDisplayToken(display.id, by: "test", nowMillis: 1)
        #expect(throws: HubError.self) { try fixture.database.revokeDisplayToken(display.id, by: "test", nowMillis: 2) }
        try await app(fixture).test(.router) { client in
            let revoked = try await client.send(.get, "/display/\(display.token)")
            #expect(revoked.status == .gone && revoked.body.contains("switched off"))
            #expect(revoked.headers[.contentType] == "text/plain; charset=utf-8")
            #expect(try await client.send(.get, "/display/\(display.token)/poster").status == .gone)
            let unknown = try await client.send(.get, "/display/display_0123")
            #expect(unknown.status == .notFound && unknown.body.contains("no results screen at this address"))
            #expect(try await client.send(.get, "/display/anything").status == .notFound)
        }
        // Only the hash is stored.
        #expect(try fixture.database.displayTokens().map(\.label) == ["old screen"])
    }

    @Test func theFontIsServedFromItsInstalledPathOrNotAtAll() async throws {
        let fixture = try hub()
        try await app(fixture).test(.router) { client in
            let font = try await client.send(.get, "/display-font/uchen.ttf")
            if FileManager.default.fileExists(atPath: LobbySettings.defaultFontPath) {
                #expect(font.status == .ok && font.headers[.contentType] == "font/ttf")
            } else {
                #expect(font.status == .notFound)
            }
        }
        try await app(fixture, lobby: LobbySettings(fontPath: "/nonexistent/font.ttf")).test(.router) { client in
            let missing = try await client.send(.get, "/display-font/uchen.ttf")
            #expect(missing.status == .notFound && !missing.body.contains("/nonexistent"))
        }
    }

    @Test func aStringsFileMissingAKeyIsRefusedByName() throws {
        let broken = Data(#"{"weekdays": ["a","b","c","d","e","f","g"], "strings": {"heading": "x"}}"#.utf8)
        let error = #expect(throws: HubError.self) { try LobbyStrings(data: broken, source: "broken.json") }
        #expect(error?.description.contains("broken.json: 'strings' lacks lastWeek") == true)
        let sixDays = Data(#"{"weekdays": ["a","b","c","d","e","f"], "strings": {}}"#.utf8)
        #expect(throws: HubError.invalid("six.json: 'weekdays' must list seven names, Monday first")) {
            try LobbyStrings(data: sixDays, source: "six.json")
        }
        #expect(throws: HubError.self) { try LobbyStrings.load(path: "/nonexistent/dz.json") }
        #expect(LobbyStrings.tibetanDigits("2026-11-16") == "༢༠༢༦-༡༡-༡༦")
        // The shipped file is complete, with our own weekday names.
        let shipped = try LobbyStrings.load()
        #expect(shipped.weekdays.count == 7 && shipped.weekdays[0] == "གཟའ་ཟླ་བ་")
    }
}
