import Foundation
import Hummingbird
import HummingbirdTesting
import SmileyCore
import SmileyHub
import Testing

/// A quote, `<`, `>` or `&` followed by a combining mark is one Swift `Character` that equals none of them,
/// so an escaper comparing characters lets it through: inside `value="…"` the quote ends the attribute
/// and the rest of the value adds attributes of its own. Every page is read here as an attacker would
/// see it, over the router, and searched byte by byte.
@Suite struct CombiningMarkEscapeTests {
    static let mark = "\u{301}"
    /// Ends an attribute and adds an event handler, opens an element, starts an entity.
    static func hostile(_ tag: String) -> String {
        "\(tag) \"\(mark) onmouseover=alert(1) x=\"\(mark) <\(mark)script> &\(mark)"
    }

    /// The page's bytes hold none of the three raw characters before a combining mark, and hold each escaped.
    static func expectEscaped(_ page: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let bytes = Array(page.utf8)
        for raw in ["\"", "<", ">", "&"] {
            #expect(
                !contains(bytes, raw + mark), "\(what): a raw \(raw) before U+0301 on the page",
                sourceLocation: sourceLocation)
        }
        for escaped in ["&quot;", "&lt;", "&amp;"] {
            #expect(
                contains(bytes, escaped + mark), "\(what): no \(escaped) before U+0301 on the page",
                sourceLocation: sourceLocation)
        }
    }

    /// Whether the page's bytes hold the text's (String.contains compares whole characters, and `;` with a
    /// combining mark after it is one character).
    static func has(_ page: String, _ text: String) -> Bool { contains(Array(page.utf8), text) }

    static func contains(_ bytes: [UInt8], _ text: String) -> Bool {
        let needle = Array(text.utf8)
        guard !needle.isEmpty, bytes.count >= needle.count else { return false }
        for start in 0...(bytes.count - needle.count) where bytes[start..<start + needle.count].elementsEqual(needle) {
            return true
        }
        return false
    }

    /// Paro named and acted upon by an attacker, with last week's presses so the lobby has figures.
    func hub() throws -> ReadSideFixture {
        var fixture = try ReadSideFixture(name: Self.hostile("Paro"))
        try fixture.press(.veryHappy, 6, on: (2026, 11, 16), at: 9)
        try fixture.press(.unhappy, 5, on: (2026, 11, 17), at: 10)
        try fixture.database.addAction(
            centre: ReadSideFixture.centre, date: try LocalDate.parse("2026-11-16"), text: Self.hostile("Counter"),
            target: nil, by: "dorji", nowMillis: 0)
        return fixture
    }

    @Test func theOverviewAndTheCentrePageEscapeAHostileCentreNameAndAction() async throws {
        let fixture = try hub()
        let (overviewStatus, overview, _) = try await fixture.get("/")
        #expect(overviewStatus == .ok)
        #expect(Self.has(overview, "Paro &quot;"))
        Self.expectEscaped(overview, "overview")
        let (centreStatus, centre, _) = try await fixture.get("/centres/paro-dcrc")
        #expect(centreStatus == .ok)
        #expect(Self.has(centre, "Paro &quot;") && Self.has(centre, "Counter &quot;"))
        Self.expectEscaped(centre, "centre page")
    }

    @Test func theLobbyScreenAndPosterEscapeAHostileCentreNameAndAction() async throws {
        let fixture = try hub()
        let display = try fixture.database.createDisplayToken(
            centre: ReadSideFixture.centre, label: Self.hostile("entrance"), by: "test", nowMillis: 0)
        let app = Application(
            router: try buildRouter(database: fixture.database, clock: .fixed(fixture.nowMillis), access: .testing))
        try await app.test(.router) { client in
            let screen = try await client.send(.get, "/display/\(display.token)")
            #expect(screen.status == .ok && Self.has(screen.body, "Counter &quot;"))
            Self.expectEscaped(screen.body, "lobby screen")
            let poster = try await client.send(.get, "/display/\(display.token)/poster")
            #expect(poster.status == .ok && Self.has(poster.body, "Paro &quot;"))
            Self.expectEscaped(poster.body, "lobby poster")
        }
    }

    @Test func theSignInPageEscapesATypedNameItShowsAgain() async throws {
        let fixture = try ReadSideFixture()
        let app = Application(
            router: try buildRouter(database: fixture.database, clock: .fixed(fixture.nowMillis), access: .testing))
        try await app.test(.router) { client in
            let page = try await client.send(.get, "/login")
            let token = try #require(page.cookie("smiley_form")?.value)
            let reply = try await client.send(
                .post, "/login", form: [("username", Self.hostile("dorji")), ("password", "wrong"), ("csrf", token)],
                formCookie: token)
            #expect(reply.status == .unauthorized && Self.has(reply.body, "value=\"dorji &quot;"))
            Self.expectEscaped(reply.body, "sign-in page")
        }
    }

    @Test func theTokensAndAuditPagesEscapeAHostileTokenNameAndDisplayLabel() async throws {
        let hub = try AccessTests.Hub()
        try hub.database.addPerson(
            "root", role: .administrator, grants: [], passwordHash: try AccessTests.Hub.hash(AccessTests.password),
            by: "test", nowMillis: 0)
        _ = try hub.database.createAPIToken(
            for: "root", name: Self.hostile("script"), expiresMillis: nil, by: "test", nowMillis: 0)
        _ = try hub.database.createDisplayToken(
            centre: ReadSideFixture.centre, label: Self.hostile("entrance"), by: "test", nowMillis: 0)
        try await hub.app().test(.router) { client in
            let session = try #require(try await client.signIn("root", AccessTests.password).cookie)
            let tokens = try await client.send(.get, "/account/tokens", cookie: session)
            #expect(tokens.status == .ok && Self.has(tokens.body, "script &quot;"))
            Self.expectEscaped(tokens.body, "tokens page")
            let audit = try await client.send(.get, "/admin/audit", cookie: session)
            #expect(audit.status == .ok && Self.has(audit.body, "script &quot;"))
            #expect(Self.has(audit.body, "entrance &quot;"))
            Self.expectEscaped(audit.body, "audit page")
        }
    }

    @Test func theWeeklyReportMailEscapesItsHTMLAndLeavesItsTextAlone() async throws {
        let fixture = try hub()
        let reader = CentreReader(
            database: fixture.database, clock: .fixed(fixture.nowMillis), settings: ReportSettings())
        let report = try await reader.weeklyReport(
            of: try await reader.centre("paro-dcrc"), weekOf: try LocalDate.parse("2026-11-18"))
        let mail = try WeeklyReportMail(report)
        #expect(Self.has(mail.html, "Paro &quot;") && Self.has(mail.html, "Counter &quot;"))
        Self.expectEscaped(mail.html, "report mail HTML")
        #expect(mail.text.contains(Self.hostile("Paro")) && mail.text.contains(Self.hostile("Counter")))
    }
}
