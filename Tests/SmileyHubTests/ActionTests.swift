import Foundation
import Hummingbird
import HummingbirdBcrypt
import HummingbirdTesting
import SmileyCore
import SmileyHub
import Testing

/// Recording actions on the centre page and with the database's own methods, and their before and after.
@Suite struct ActionTests {
    static let password = "correct horse battery"

    /// Paro (open Mon-Fri 09-17) on Wednesday 2026-11-25: unhappy Monday mornings on 9 November, happy
    /// ones on 16 November, and a manager, a viewer, and a manager of Haa only.
    func hub() throws -> (ReadSideFixture, MovableClock) {
        var fixture = try ReadSideFixture()
        try fixture.press(.happy, 1, on: (2026, 11, 2), at: 9)
        try fixture.press(.veryUnhappy, 6, on: (2026, 11, 9), at: 9)
        try fixture.press(.veryHappy, 6, on: (2026, 11, 16), at: 9)
        try fixture.press(.veryUnhappy, 9, on: (2026, 11, 16), at: 15)  // afternoon: outside the action's hours
        let hash = Bcrypt.hash(Self.password, cost: 4)
        try fixture.database.addPerson(
            "dorji", role: .manager, grants: [.centre(ReadSideFixture.centre)], passwordHash: hash, by: "test",
            nowMillis: 0)
        try fixture.database.addPerson(
            "pema", role: .viewer, grants: [.centre(ReadSideFixture.centre)], passwordHash: hash, by: "test",
            nowMillis: 0)
        try fixture.database.addPerson(
            "karma", role: .manager, grants: [.centre(ReadSideFixture.other)], passwordHash: hash, by: "test",
            nowMillis: 0)
        return (fixture, MovableClock(fixture.nowMillis))
    }

    func app(_ fixture: ReadSideFixture, _ clock: MovableClock) throws -> some ApplicationProtocol {
        Application(router: try buildRouter(database: fixture.database, clock: clock.clock, access: .testing))
    }

    @Test func aManagerRecordsAnActionAndThePageShowsItsBeforeAndAfter() async throws {
        let (fixture, clock) = try hub()
        try await app(fixture, clock).test(.router) { client in
            let session = try #require(try await client.signIn("dorji", Self.password).cookie)
            let empty = try await client.send(.get, "/centres/paro-dcrc", cookie: session)
            #expect(empty.body.contains("No actions recorded yet."))
            #expect(empty.body.contains(#"<input type="date" name="date" value="2026-11-25" required>"#))
            let csrf = try #require(empty.csrfField)
            let recorded = try await client.send(
                .post, "/centres/paro-dcrc/actions", cookie: session,
                form: [
                    ("date", "2026-11-16"), ("text", "Second counter <opened>"), ("hours", "Mon 09:00-12:00"),
                    ("csrf", csrf),
                ])
            #expect(recorded.status == .seeOther && recorded.headers[.location] == "/centres/paro-dcrc#actions")
            let page = try await client.send(.get, "/centres/paro-dcrc", cookie: session)
            #expect(page.body.contains("2026-11-16</time>: Second counter &lt;opened&gt;"))
            #expect(page.body.contains("Hours compared: Mon 09:00-12:00 · recorded by dorji"))
            // Nine whole days since the action and fourteen of data before it: one whole week each side.
            #expect(page.body.contains("<td>2026-11-09 to 2026-11-15: index 0 (95% interval 0–39), 6 presses</td>"))
            #expect(page.body.contains("<td>2026-11-16 to 2026-11-22: index 100 (95% interval 61–100), 6 presses</td>"))
            #expect(page.body.contains(#"<td class="verdict-better">+100 points: more than noise (better).</td>"#))
            // The trend marks the day (both questions' charts) and the daily table names the action.
            #expect(page.body.components(separatedBy: #"<g class="action-marker">"#).count == 3)
            #expect(page.body.contains("<td>Second counter &lt;opened&gt;</td>"))
            #expect(try fixture.database.auditEntries().contains { $0.action == "action added" && $0.actor == "dorji" })
        }
    }

    @Test func badInputIsRefusedByNameAndNothingIsStored() async throws {
        let (fixture, clock) = try hub()
        try await app(fixture, clock).test(.router) { client in
            let session = try #require(try await client.signIn("dorji", Self.password).cookie)
            let csrf = try #require(try await client.send(.get, "/centres/paro-dcrc", cookie: session).csrfField)
            func post(_ fields: [(String, String)], centre: String = "paro-dcrc") async throws -> Reply {
                try await client.send(.post, "/centres/\(centre)/actions", cookie: session, form: fields)
            }
            let noText = try await post([("date", "2026-11-16"), ("text", "  "), ("csrf", csrf)])
            #expect(noText.status == .badRequest && noText.body.contains("an action needs a description"))
            let badDate = try await post([("date", "2026-02-30"), ("text", "x"), ("csrf", csrf)])
            #expect(badDate.status == .badRequest && badDate.body.contains("month 2 of 2026 has no day 30"))
            let badHours = try await post([
                ("date", "2026-11-16"), ("text", "x"), ("hours", "Mon 9-12"), ("csrf", csrf),
            ])
            #expect(badHours.status == .badRequest && badHours.body.contains("invalid opening hours 'Mon 9-12'"))
            let long = try await post([
                ("date", "2026-11-16"), ("text", String(repeating: "a", count: 281)), ("csrf", csrf),
            ])
            #expect(long.status == .badRequest && long.body.contains("at most 280 characters"))
            let forged = try await post([("date", "2026-11-16"), ("text", "x"), ("csrf", "forged")])
            #expect(forged.status == .forbidden)
            let elsewhere = try await post([("date", "2026-11-16"), ("text", "x"), ("csrf", csrf)], centre: "haa-dcrc")
            #expect(elsewhere.status == .notFound)
            #expect(try fixture.database.actions(centre: ReadSideFixture.centre).isEmpty)
            #expect(try fixture.database.actions(centre: ReadSideFixture.other).isEmpty)
        }
    }

    @Test func viewersAndOtherCentresManagersCannotRecordOrRemove() async throws {
        let (fixture, clock) = try hub()
        let action = try fixture.database.addAction(
            centre: ReadSideFixture.centre, date: try LocalDate.parse("2026-11-16"), text: "Queue tickets",
            target: nil, by: "test", nowMillis: 0)
        try await app(fixture, clock).test(.router) { client in
            let viewer = try #require(try await client.signIn("pema", Self.password).cookie)
            let page = try await client.send(.get, "/centres/paro-dcrc", cookie: viewer)
            #expect(page.body.contains("Queue tickets") && !page.body.contains("Record an action"))
            let csrf = try #require(page.csrfField)
            let add = try await client.send(
                .post, "/centres/paro-dcrc/actions", cookie: viewer,
                form: [("date", "2026-11-16"), ("text", "x"), ("csrf", csrf)])
            #expect(add.status == .forbidden && add.body.contains("viewers cannot record actions"))
            let other = try #require(try await client.signIn("karma", Self.password).cookie)
            let otherCSRF = try #require(try await client.send(.get, "/centres/haa-dcrc", cookie: other).csrfField)
            let remove = try await client.send(
                .post, "/centres/paro-dcrc/actions/\(action.id)/remove", cookie: other, form: [("csrf", otherCSRF)])
            #expect(remove.status == .notFound)
            #expect(try fixture.database.actions(centre: ReadSideFixture.centre).count == 1)
        }
    }

    @Test func aManagerRemovesAnActionOnce() async throws {
        let (fixture, clock) = try hub()
        let action = try fixture.database.addAction(
            centre: ReadSideFixture.centre, date: try LocalDate.parse("2026-11-16"), text: "Queue tickets",
            target: nil, by: "test", nowMillis: 0)
        try await app(fixture, clock).test(.router) { client in
            let session = try #require(try await client.signIn("dorji", Self.password).cookie)
            let csrf = try #require(try await client.send(.get, "/centres/paro-dcrc", cookie: session).csrfField)
            let uri = "/centres/paro-dcrc/actions/\(action.id)/remove"
            #expect(try await client.send(.post, uri, cookie: session, form: [("csrf", csrf)]).status == .seeOther)
            #expect(try fixture.database.actions(centre: ReadSideFixture.centre).isEmpty)
            let again = try await client.send(.post, uri, cookie: session, form: [("csrf", csrf)])
            #expect(again.status == .notFound && again.body.contains("has no action #\(action.id)"))
        }
    }

    @Test func anActionTodayIsTooEarlyToJudge() async throws {
        let (fixture, clock) = try hub()
        try fixture.database.addAction(
            centre: ReadSideFixture.centre, date: try LocalDate.parse("2026-11-25"), text: "New signs",
            target: nil, by: "test", nowMillis: 0)
        let reader = CentreReader(database: fixture.database, clock: clock.clock, settings: ReportSettings())
        let centre = try await reader.centre("paro-dcrc")
        let reviews = try await reader.actionReviews(of: centre)
        #expect(reviews.count == 1 && reviews[0].effects.allSatisfy { $0.status == .tooEarly })
        let outside = CentreReader(
            database: fixture.database, clock: clock.clock, settings: ReportSettings(),
            scope: .centres([ReadSideFixture.other]))
        #expect(try await outside.actionReviews(of: centre).isEmpty)
    }
}
