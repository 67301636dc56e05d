import Foundation
import Hummingbird
import HummingbirdBcrypt
import HummingbirdTesting
import Logging
import SmileyCore
import Testing

@testable import SmileyHub

/// A centre's page and its forms on a hub on PostgreSQL and a hub on SQLite, each over HTTP on loopback,
/// told the same history: presses, alerts applied through each store (neither runs the evaluation),
/// then actions added and removed, rules changed and an alert acknowledged through each hub's
/// forms. A signed-in manager reads the same bytes from both; a manager of another centre and a viewer are
/// refused alike.
@Suite(.enabled(if: PostgresTestServer.isAvailable, "needs the server of scripts/with-postgres.sh"))
struct PostgresCareHubTests {
    static let password = PostgresReadHubTests.password
    static let wangdue = "/centres/wangdue-dcrc"

    /// Dorji manages both centres, Pema only Paro; Sonam views Wangdue.
    static func addPeople(_ people: any PeopleStore) async throws {
        try await PostgresReadHubTests.addPeople(people)
        try await people.addPerson(
            "sonam", role: .viewer, grants: [.centre(ReadHistory.centre)], passwordHash: Bcrypt.hash(password, cost: 4),
            by: "test", nowMillis: ReadHistory.nowMillis)
    }

    /// Alerts as an evaluation would store them, with their deliveries, and two delivery attempts.
    static func addAlerts(_ care: any CentreCareStore) async throws {
        let now = ReadHistory.nowMillis
        func state(_ opened: Int64, _ summary: String, answers: Int) -> AlertState {
            AlertState(
                openedMillis: opened,
                evidence: AlertEvidence(
                    answers: answers, negative: answers / 2 + 1, fromMillis: opened - 900_000, toMillis: opened,
                    firstPressMillis: opened - 800_000, lastPressMillis: opened - 60_000, summary: summary))
        }
        var resolved = state(now - 7_200_000, "the lobby device is offline", answers: 0)
        resolved.resolvedMillis = now - 3_600_000
        let ids = try await care.apply(
            [
                HubDatabase.AlertChange(
                    centre: ReadHistory.centre, kind: .dip, subject: "satisfaction",
                    transition: .open(state(now - 1_800_000, "7 of 12 answers negative in 15 minutes", answers: 12))),
                HubDatabase.AlertChange(
                    centre: ReadHistory.centre, kind: .deviceOffline, subject: "wangdue-entrance-2",
                    transition: .open(state(now - 7_200_000, "the lobby device is offline", answers: 0))),
                HubDatabase.AlertChange(
                    centre: ReadHistory.other, kind: .drift, subject: "accessibility",
                    transition: .open(state(now - 600_000, "the day's index left its control limits", answers: 30))),
            ], deliverTo: ["webhook", "email"])
        try await care.apply(
            [
                HubDatabase.AlertChange(
                    centre: ReadHistory.centre, kind: .deviceOffline, subject: "wangdue-entrance-2",
                    transition: .resolve(resolved))
            ], deliverTo: [])
        let deliveries = try await care.deliveries(alertID: ids[0])
        try await care.recordDeliveryAttempt(
            id: deliveries[0].id, error: nil, nextAttemptMillis: nil, nowMillis: now - 1_700_000)
        try await care.recordDeliveryAttempt(
            id: deliveries[1].id, error: "SMTP 451 try later", nextAttemptMillis: nil, nowMillis: now - 1_700_000)
    }

    /// What each form answered, in order: the status and, for a refusal, its message.
    static func useTheForms(_ client: some TestClientProtocol) async throws -> [String] {
        let cookie = try #require(try await client.signIn("dorji", password).cookie)
        let csrf = try #require(try await client.send(.get, wangdue, cookie: cookie).csrfField)
        var answers: [String] = []
        func post(_ path: String, _ fields: [(String, String)], as person: String? = nil) async throws {
            var (cookie, csrf) = (cookie, csrf)
            if let person {
                cookie = try #require(try await client.signIn(person, password).cookie)
                csrf = try await client.send(.get, wangdue, cookie: cookie).csrfField ?? csrf
            }
            let reply = try await client.send(.post, path, cookie: cookie, form: fields + [("csrf", csrf)])
            answers.append(
                "\(reply.status.code) \(reply.status == .seeOther ? reply.headers[.location] ?? "" : reply.body)")
        }
        try await post(
            "\(wangdue)/actions",
            [("date", "2026-11-09"), ("text", "Second counter opened"), ("hours", "Mon 09:00-12:00")])
        try await post(
            "\(wangdue)/actions", [("date", "2026-11-16"), ("text", "Queue signs <b>put up</b>"), ("hours", "")])
        try await post("\(wangdue)/actions", [("date", "2026-11-18"), ("text", "Ramp repaired"), ("hours", "")])
        try await post("\(wangdue)/actions/3/remove", [])
        try await post("\(wangdue)/alert-rules", [("dip.window-minutes", "30"), ("enabled.drift", "no")])
        try await post("\(wangdue)/alerts/1/acknowledge", [("comment", "Extra staff at the counter")])
        // Refused alike: an empty action, an action of another centre, a rule out of range, an unknown setting,
        // an alert acknowledged twice, a resolved one, another centre's.
        try await post("\(wangdue)/actions", [("date", "2026-11-18"), ("text", "   "), ("hours", "")])
        try await post("/centres/paro-dcrc/actions/1/remove", [])
        try await post("\(wangdue)/alert-rules", [("dip.window-minutes", "1000")])
        try await post("\(wangdue)/alert-rules", [("dip.colour", "red")])
        try await post("\(wangdue)/alerts/1/acknowledge", [("comment", "Again")])
        try await post("\(wangdue)/alerts/2/acknowledge", [("comment", "Late")])
        try await post("\(wangdue)/alerts/3/acknowledge", [("comment", "Not ours")])
        // Pema does not manage Wangdue: the centre does not exist for her. Sonam only views it.
        try await post("\(wangdue)/alert-rules", [("dip.window-minutes", "45")], as: "pema")
        try await post("\(wangdue)/alerts/1/acknowledge", [("comment", "Mine")], as: "pema")
        try await post("\(wangdue)/alert-rules", [("dip.window-minutes", "45")], as: "sonam")
        try await post(
            "\(wangdue)/actions", [("date", "2026-11-18"), ("text", "Viewer's"), ("hours", "")], as: "sonam")
        return answers
    }

    static let pages = [
        wangdue, "\(wangdue)?window=last-week", "\(wangdue)?window=last-13-weeks",
        "\(wangdue)?from=2026-11-02&to=2026-11-15", "\(wangdue)?window=this-week", "/centres/paro-dcrc",
        "/centres/paro-dcrc?window=last-4-weeks",
    ]

    @Test func aCentresPageAndItsFormsAreTheSameOnPostgresAsOnSQLite() async throws {
        var logger = Logger(label: "smiley.hub.care.test")
        logger.logLevel = .warning
        let clock = HubClock.fixed(ReadHistory.nowMillis)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smiley-care-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let database = try HubDatabase(path: directory.appendingPathComponent("hub.sqlite").path)
        for stage in ReadHistory.stages.indices { try await ReadHistory().tell(stage, to: database) }
        try await Self.addPeople(database)
        try await Self.addAlerts(database)

        try await PostgresTestServer.withFreshDatabase { name in
            try await PostgresTestServer.withClient(database: name) { client in
                let store = PostgresPressStore.quiet(client)
                try await store.migrate()
                for stage in ReadHistory.stages.indices { try await ReadHistory().tell(stage, to: store) }
                try await Self.addPeople(store)
                try await Self.addAlerts(store)
            }
            let location = try PostgresLocation.parse(
                "postgres://\(PostgresTestServer.environment["SMILEY_TEST_POSTGRES_USER"] ?? "postgres")@/\(name)?host=\(try #require(PostgresTestServer.socketDirectory))"
            )
            let onPostgres = try buildPostgresApplication(
                configuration: HubConfiguration(host: "127.0.0.1", port: 0, stateDirectory: "/nonexistent"),
                location: location, password: nil, logger: logger, clock: clock, access: .testing,
                periodicWork: false)
            // Both hubs without their periodic services: an alert evaluation would change the alerts both
            // were told alike.
            let onSQLite = Application(
                router: try buildRouter(database: database, clock: clock, access: .testing),
                configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: logger)
            try await onPostgres.test(.live) { pg in
                try await onSQLite.test(.live) { lite in
                    let (formsOnPostgres, formsOnSQLite) = (
                        try await Self.useTheForms(pg), try await Self.useTheForms(lite)
                    )
                    #expect(formsOnPostgres == formsOnSQLite)
                    #expect(formsOnPostgres.prefix(6).allSatisfy { $0.hasPrefix("303 /centres/wangdue-dcrc#") })
                    #expect(
                        formsOnPostgres.dropFirst(6).map { $0.prefix(3) } == [
                            "400", "404", "400", "400", "409", "409", "404", "404", "404", "403", "403",
                        ])

                    let fromPostgres = try await PostgresReadHubTests.read(pg, as: "dorji", Self.pages)
                    let fromSQLite = try await PostgresReadHubTests.read(lite, as: "dorji", Self.pages)
                    for path in Self.pages {
                        let (p, s) = (try #require(fromPostgres[path]), try #require(fromSQLite[path]))
                        #expect(p.status == .ok && s.status == .ok, "\(path)")
                        #expect(p.body == s.body, "\(path)")
                    }
                    // What the forms did is on the page: the actions, the rule, the acknowledgement, deliveries.
                    let page = try #require(fromPostgres[Self.wangdue]).body
                    #expect(
                        page.contains("Second counter opened") && page.contains("Queue signs &lt;b&gt;put up&lt;/b&gt;")
                    )
                    #expect(!page.contains("Ramp repaired"))
                    #expect(page.contains("Extra staff at the counter") && page.contains("7 of 12 answers negative"))
                    #expect(page.contains(#"name="dip.window-minutes" value="30""#))
                    #expect(page.contains(#"data-delivery-state="failed""#))
                    #expect(!page.contains("left its control limits"))

                    // A manager of Paro only, and a viewer of Wangdue, read the same on both.
                    for person in ["pema", "sonam"] {
                        let onPG = try await PostgresReadHubTests.read(pg, as: person, [Self.wangdue])
                        let onLite = try await PostgresReadHubTests.read(lite, as: person, [Self.wangdue])
                        #expect(onPG[Self.wangdue]?.status == onLite[Self.wangdue]?.status, "\(person)")
                        #expect(onPG[Self.wangdue]?.body == onLite[Self.wangdue]?.body, "\(person)")
                    }
                    #expect(
                        try await PostgresReadHubTests.read(pg, as: "pema", [Self.wangdue])[Self.wangdue]?.status
                            == .notFound)
                }
            }
            // The forms' audit lines are in PostgreSQL.
            try await PostgresTestServer.withClient(database: name) { client in
                let audit = try await PostgresPressStore.quiet(client).auditEntries(limit: 200).map(\.action)
                #expect(audit.filter { $0 == "action added" }.count == 3)
                #expect(audit.filter { $0 == "action removed" }.count == 1)
                #expect(audit.filter { $0 == "alert rules" }.count == 1)
                #expect(audit.filter { $0 == "acknowledge alert" }.count == 1)
            }
        }
    }
}
