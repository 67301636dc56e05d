import Foundation
import Hummingbird
import HummingbirdTesting
import SmileyCore
import SmileyHub
import Testing

/// Acknowledging alerts and changing a centre's alert rules on the centre page, by the people allowed to.
@Suite struct AlertPageTests {
    static let password = "correct horse battery"

    struct Hub {
        var fixture: ReadSideFixture
        let clock: MovableClock

        init() throws {
            fixture = try ReadSideFixture()
            clock = MovableClock(ReadSideFixture.thimphu(2026, 11, 25, 10, 0))
            let hash = try AccessTests.Hub.hash(AlertPageTests.password)
            try fixture.database.addPerson(
                "dorji", role: .manager, grants: [.centre(ReadSideFixture.centre)], passwordHash: hash, by: "test",
                nowMillis: 0)
            try fixture.database.addPerson(
                "pema", role: .viewer, grants: [.centre(ReadSideFixture.centre)], passwordHash: hash, by: "test",
                nowMillis: 0)
            try fixture.database.addPerson(
                "karma", role: .manager, grants: [.centre(ReadSideFixture.other)], passwordHash: hash, by: "test",
                nowMillis: 0)
        }

        var database: HubDatabase { fixture.database }

        func app() throws -> some ApplicationProtocol {
            Application(router: try buildRouter(database: database, clock: clock.clock, access: .testing))
        }

        func evaluate() async throws -> [AlertEvaluator.Change] {
            try await AlertEvaluator(database: database).evaluate(nowMillis: clock.now)
        }

        func dip() throws -> StoredAlert? {
            try database.alertHistory(centre: ReadSideFixture.centre).first { $0.kind == .dip }
        }
    }

    @Test func aManagerAcknowledgesWithACommentAndTheAlertStillResolvesItselfWithoutFiringAgain() async throws {
        var setup = try Hub()
        try setup.fixture.press(.veryUnhappy, 3, on: (2026, 11, 25), at: 9, minute: 52)
        try setup.fixture.press(.happy, 1, on: (2026, 11, 25), at: 9, minute: 53)
        let hub = setup
        #expect(try await hub.evaluate().contains { $0.kind == .dip })
        let alert = try #require(try hub.dip())
        try await hub.app().test(.router) { client in
            let session = try #require(try await client.signIn("dorji", Self.password).cookie)
            let page = try await client.send(.get, "/centres/paro-dcrc", cookie: session)
            #expect(page.body.contains(#"action="/centres/paro-dcrc/alerts/\#(alert.id)/acknowledge""#))
            let csrf = try #require(page.csrfField)
            let uri = "/centres/paro-dcrc/alerts/\(alert.id)/acknowledge"

            // No comment, or a wrong CSRF token: refused by name, nothing stored.
            let empty = try await client.send(.post, uri, cookie: session, form: [("csrf", csrf), ("comment", "  ")])
            #expect(empty.status == .badRequest && empty.body.contains("an acknowledgement needs a comment"))
            let forged = try await client.send(
                .post, uri, cookie: session, form: [("csrf", "forged"), ("comment", "x")])
            #expect(forged.status == .forbidden)
            #expect(try hub.dip()?.state.acknowledgedMillis == nil)

            // A viewer may not acknowledge; a manager of another centre does not even see this one.
            let viewer = try #require(try await client.signIn("pema", Self.password).cookie)
            let viewerPage = try await client.send(.get, "/centres/paro-dcrc", cookie: viewer)
            #expect(!viewerPage.body.contains("/acknowledge"))
            let viewerTry = try await client.send(
                .post, uri, cookie: viewer, form: [("csrf", try #require(viewerPage.csrfField)), ("comment", "x")])
            #expect(viewerTry.status == .forbidden)
            let stranger = try #require(try await client.signIn("karma", Self.password).cookie)
            let strangerPage = try await client.send(.get, "/", cookie: stranger)
            let strangerTry = try await client.send(
                .post, uri, cookie: stranger, form: [("csrf", try #require(strangerPage.csrfField)), ("comment", "x")])
            #expect(strangerTry.status == .notFound)
            #expect(try hub.dip()?.state.acknowledgedMillis == nil)

            hub.clock.advance(minutes: 1)
            let done = try await client.send(
                .post, uri, cookie: session, form: [("csrf", csrf), ("comment", "Second counter <opened> at 10:00")])
            #expect(done.status == .seeOther && done.headers[.location] == "/centres/paro-dcrc#alert-\(alert.id)")
            let acknowledged = try #require(try hub.dip())
            #expect(acknowledged.state.acknowledgedBy == "dorji")
            #expect(acknowledged.state.acknowledgedMillis == hub.clock.now)
            #expect(acknowledged.state.comment == "Second counter <opened> at 10:00")
            let shown = try await client.send(.get, "/centres/paro-dcrc", cookie: session)
            #expect(shown.body.contains(#"data-alert-id="\#(alert.id)" data-state="acknowledged""#))
            #expect(shown.body.contains(#"data-acknowledged-by="dorji""#))
            #expect(shown.body.contains("Second counter &lt;opened&gt; at 10:00"))
            #expect(!shown.body.contains(#"action="/centres/paro-dcrc/alerts/\#(alert.id)/acknowledge""#))
            let twice = try await client.send(
                .post, uri, cookie: session, form: [("csrf", csrf), ("comment", "again")])
            #expect(twice.status == .conflict && twice.body.contains("already acknowledged by dorji"))

            // The condition still holds: the alert stays open and acknowledged, and does not open again.
            let holding = try await hub.evaluate().filter { $0.kind == .dip }
            #expect(holding.allSatisfy { if case .open = $0.transition { false } else { true } })
            #expect(try hub.database.openAlerts().filter { $0.kind == .dip }.map(\.id) == [alert.id])
            #expect(try hub.dip()?.state.acknowledgedBy == "dorji")

            // At 10:20 the window is empty: it resolves itself, and the history keeps who, when and the comment.
            hub.clock.advance(minutes: 19)
            #expect(try await hub.evaluate().contains { $0.kind == .dip && $0.alertID == alert.id })
            let resolved = try #require(try hub.dip())
            #expect(
                resolved.state.resolvedMillis == hub.clock.now && resolved.state.comment?.hasPrefix("Second") == true)
            let history = try await client.send(.get, "/centres/paro-dcrc", cookie: session)
            let past = try #require(history.body.range(of: #"id="alert-history""#))
            #expect(history.body[past.upperBound...].contains(#"data-alert-id="\#(alert.id)" data-state="resolved""#))
            #expect(
                !history.body.contains(
                    #"data-alert="dip" data-subject="satisfaction" data-alert-id="\#(alert.id)" data-state="acknowledged""#
                ))
            #expect(history.body.contains("Second counter &lt;opened&gt; at 10:00"), "the history keeps the comment")
        }
    }

    @Test func aManagerChangesTheRulesOnThePageAndBadValuesAreRefusedByName() async throws {
        var hub = try Hub()
        try await hub.app().test(.router) { [hub] client in
            let session = try #require(try await client.signIn("dorji", Self.password).cookie)
            let page = try await client.send(.get, "/centres/paro-dcrc", cookie: session)
            #expect(page.body.contains(#"name="dip.minimum-answers" value="4""#))
            let csrf = try #require(page.csrfField)
            let uri = "/centres/paro-dcrc/alert-rules"
            let bad = try await client.send(
                .post, uri, cookie: session,
                form: [("csrf", csrf), ("dip.window-minutes", "20"), ("dip.minimum-answers", "three")])
            #expect(bad.status == .badRequest)
            #expect(
                bad.body.contains("dip.minimum-answers must be a number in 2...1000, not &#39;three&#39;")
                    || bad.body.contains("dip.minimum-answers must be a number in 2...1000, not 'three'"))
            let outside = try await client.send(
                .post, uri, cookie: session, form: [("csrf", csrf), ("dip.negative-percent", "5")])
            #expect(outside.status == .badRequest && outside.body.contains("dip.negative-percent must be in 10...100"))
            #expect(try hub.database.alertRuleChanges(centre: ReadSideFixture.centre).isEmpty)

            let viewer = try #require(try await client.signIn("pema", Self.password).cookie)
            let viewerPage = try await client.send(.get, "/centres/paro-dcrc", cookie: viewer)
            #expect(!viewerPage.body.contains("alert-rules\""))
            let viewerTry = try await client.send(
                .post, uri, cookie: viewer,
                form: [("csrf", try #require(viewerPage.csrfField)), ("dip.minimum-answers", "3")])
            #expect(viewerTry.status == .forbidden)

            let good = try await client.send(
                .post, uri, cookie: session,
                form: [
                    ("csrf", csrf), ("dip.minimum-answers", "3"), ("enabled.drift", "no"), ("dip.window-minutes", "15"),
                ])
            #expect(good.status == .seeOther)
            let changes = try hub.database.alertRuleChanges(centre: ReadSideFixture.centre)
            #expect(changes.map(\.name) == ["dip.minimum-answers", "enabled.drift"])
            #expect(changes.allSatisfy { $0.changedBy == "dorji" })
            let rules = try hub.database.alertRules(centre: ReadSideFixture.centre)
            #expect(rules.dip.minimumAnswers == 3 && !rules.enabled(.drift) && rules.dip.windowMinutes == 15)
        }
        // Three unhappy answers are now enough for this centre (the default needs four).
        try hub.fixture.press(.veryUnhappy, 3, on: (2026, 11, 25), at: 9, minute: 55)
        try await hub.evaluate()
        #expect(try hub.database.openAlerts().contains { $0.kind == .dip })
        // The other centre keeps the defaults.
        #expect(try hub.database.alertRules(centre: ReadSideFixture.other) == CentreAlertRules())
    }
}
