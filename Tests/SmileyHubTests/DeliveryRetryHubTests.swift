import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Logging
import SmileyCore
import Testing

@testable import SmileyHub

/// A manager retries a failed delivery from the centre page (`POST /centres/{centre}/deliveries/{id}/retry`),
/// over HTTP on loopback: on a hub on SQLite, and on a hub on PostgreSQL beside one on SQLite told the same
/// history, which answer every attempt alike. Another centre's delivery is 404, a viewer 403, a delivery
/// that has not failed 409; the retry is audited as `smiley-hub alert retry` audits it.
@Suite struct DeliveryRetryHubTests {
    static let wangdue = PostgresCareHubTests.wangdue

    /// The deliveries the attempts aim at.
    struct Targets: Equatable {
        var failed: Int64
        var delivered: Int64
        var pending: Int64
        var failedAtParo: Int64
    }

    /// The history, people and alerts of `PostgresCareHubTests`, and one of Paro's deliveries given up too.
    static func prepare(_ store: any HubStore) async throws -> Targets {
        for stage in ReadHistory.stages.indices { try await ReadHistory().tell(stage, to: store) }
        try await PostgresCareHubTests.addPeople(store)
        try await PostgresCareHubTests.addAlerts(store)
        let paro = try #require(try await store.deliveries(centre: ReadHistory.other, limit: 50).last)
        try await store.recordDeliveryAttempt(
            id: paro.id, error: "HTTP 500 from the webhook", nextAttemptMillis: nil,
            nowMillis: ReadHistory.nowMillis - 500_000)
        let atWangdue = try await store.deliveries(centre: ReadHistory.centre, limit: 50)
        return Targets(
            failed: try #require(atWangdue.first { $0.state == .failed }).id,
            delivered: try #require(atWangdue.first { $0.state == .delivered }).id,
            pending: try #require(atWangdue.first { $0.state == .pending }).id, failedAtParo: paro.id)
    }

    /// What the hub answered each attempt, in order (status and, for a refusal, its message), and the centre
    /// page as Dorji (a manager) read it before and after, and as Sonam (a viewer) read it before.
    static func retries(_ client: some TestClientProtocol, _ targets: Targets) async throws -> (
        answers: [String], before: String, after: String, viewer: String
    ) {
        let cookie = try #require(try await client.signIn("dorji", PostgresCareHubTests.password).cookie)
        let before = try await client.send(.get, wangdue, cookie: cookie)
        let csrf = try #require(before.csrfField)
        let viewerCookie = try #require(try await client.signIn("sonam", PostgresCareHubTests.password).cookie)
        let viewer = try await client.send(.get, wangdue, cookie: viewerCookie)
        var answers: [String] = []
        func post(_ path: String, as person: String? = nil, csrf sent: String? = nil) async throws {
            var cookie = cookie
            if let person {
                cookie = try #require(try await client.signIn(person, PostgresCareHubTests.password).cookie)
            }
            let reply = try await client.send(.post, path, cookie: cookie, form: [("csrf", sent ?? csrf)])
            answers.append(
                "\(reply.status.code) \(reply.status == .seeOther ? reply.headers[.location] ?? "" : reply.body)")
        }
        let retry = { (centre: String, id: Int64) in "/centres/\(centre)/deliveries/\(id)/retry" }
        try await post(retry("wangdue-dcrc", targets.failed), as: "sonam")
        try await post(retry("wangdue-dcrc", targets.failed), as: "pema")
        try await post(retry("paro-dcrc", targets.failed))
        try await post(retry("wangdue-dcrc", targets.failedAtParo))
        try await post(retry("wangdue-dcrc", targets.delivered))
        try await post(retry("wangdue-dcrc", targets.pending))
        try await post(retry("wangdue-dcrc", 9_999))
        try await post(retry("wangdue-dcrc", targets.failed), csrf: "not-the-token")
        try await post(retry("wangdue-dcrc", targets.failed))
        try await post(retry("wangdue-dcrc", targets.failed))
        let after = try await client.send(.get, wangdue, cookie: cookie)
        /// The session's token masked, and the page's live updates (which only a hub on SQLite has) set aside.
        func masked(_ reply: Reply) -> String {
            (reply.csrfField.map { reply.body.replacingOccurrences(of: $0, with: "TOKEN") } ?? reply.body)
                .replacingOccurrences(of: #"data-live="true""#, with: #"data-live="false""#)
        }
        return (answers, masked(before), masked(after), masked(viewer))
    }

    /// What every hub must answer, whatever its backend.
    static func expectTheRules(
        _ run: (answers: [String], before: String, after: String, viewer: String), _ targets: Targets
    ) {
        #expect(
            run.answers.map { String($0.prefix(3)) } == [
                "403", "404", "404", "404", "409", "409", "404", "403", "303", "409",
            ], "\(run.answers)")
        #expect(run.answers[0].contains("only managers and administrators"))
        #expect(run.answers[2].contains("no delivery \(targets.failed) at paro-dcrc"))
        #expect(run.answers[3].contains("no delivery \(targets.failedAtParo) at wangdue-dcrc"))
        #expect(run.answers[4].contains("was delivered: there is nothing to retry"))
        #expect(run.answers[5].contains("is still pending"))
        #expect(run.answers[7].contains("CSRF token"))
        #expect(run.answers[8] == "303 /centres/wangdue-dcrc#alerts")
        #expect(run.answers[9].contains("delivery \(targets.failed) is still pending"))
        let form = #"action="/centres/wangdue-dcrc/deliveries/\#(targets.failed)/retry""#
        #expect(run.before.contains(form) && run.before.contains("Retry the e-mail delivery"))
        #expect(!run.before.contains("/deliveries/\(targets.pending)/retry"))
        #expect(!run.before.contains("/deliveries/\(targets.delivered)/retry"))
        #expect(!run.after.contains(form) && !run.after.contains(#"data-delivery-state="failed""#))
        #expect(!run.viewer.contains("/retry") && run.viewer.contains(#"data-delivery-state="failed""#))
    }

    static func expectOneAuditLine(_ people: any PeopleStore, _ targets: Targets) async throws {
        let lines = try await people.auditEntries(limit: 500).filter { $0.action == "retry delivery" }
        #expect(lines.map { "\($0.actor): \($0.detail)" } == ["dorji: wangdue-dcrc delivery \(targets.failed)"])
    }

    @Test func aManagerRetriesAFailedDeliveryFromTheCentrePage() async throws {
        let database = try HubDatabase(writer: DatabaseQueue())
        let targets = try await Self.prepare(database)
        let app = Application(
            router: try buildRouter(database: database, clock: .fixed(ReadHistory.nowMillis), access: .testing))
        try await app.test(.router) { client in
            let run = try await Self.retries(client, targets)
            Self.expectTheRules(run, targets)
        }
        try await Self.expectOneAuditLine(database, targets)
        let retried = try #require(
            try await database.deliveries(centre: ReadHistory.centre, limit: 50).first { $0.id == targets.failed })
        #expect(retried.state == .pending && retried.nextAttemptMillis == ReadHistory.nowMillis)
    }

    @Test(.enabled(if: PostgresTestServer.isAvailable, "needs the server of scripts/with-postgres.sh"))
    func aRetryOnPostgresIsAnsweredAsOnSQLite() async throws {
        var logger = Logger(label: "smiley.hub.retry.test")
        logger.logLevel = .warning
        let clock = HubClock.fixed(ReadHistory.nowMillis)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smiley-retry-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let database = try HubDatabase(path: directory.appendingPathComponent("hub.sqlite").path)
        let targets = try await Self.prepare(database)

        try await PostgresTestServer.withFreshDatabase { name in
            try await PostgresTestServer.withClient(database: name) { client in
                let store = PostgresPressStore.quiet(client)
                try await store.migrate()
                #expect(try await Self.prepare(store) == targets)
            }
            let location = try PostgresLocation.parse(
                "postgres://\(PostgresTestServer.environment["SMILEY_TEST_POSTGRES_USER"] ?? "postgres")@/\(name)?host=\(try #require(PostgresTestServer.socketDirectory))"
            )
            let onPostgres = try buildPostgresApplication(
                configuration: HubConfiguration(host: "127.0.0.1", port: 0, stateDirectory: "/nonexistent"),
                location: location, password: nil, logger: logger, clock: clock, access: .testing,
                periodicWork: false)
            let onSQLite = Application(
                router: try buildRouter(database: database, clock: clock, access: .testing),
                configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: logger)
            try await onPostgres.test(.live) { pg in
                try await onSQLite.test(.live) { lite in
                    let (fromPostgres, fromSQLite) = (
                        try await Self.retries(pg, targets), try await Self.retries(lite, targets)
                    )
                    Self.expectTheRules(fromPostgres, targets)
                    #expect(fromPostgres.answers == fromSQLite.answers)
                    #expect(fromPostgres.before == fromSQLite.before)
                    #expect(fromPostgres.after == fromSQLite.after)
                    #expect(fromPostgres.viewer == fromSQLite.viewer)
                }
            }
            try await PostgresTestServer.withClient(database: name) { client in
                try await Self.expectOneAuditLine(PostgresPressStore.quiet(client), targets)
            }
        }
        try await Self.expectOneAuditLine(database, targets)
    }
}
