import Foundation
import Hummingbird
import HummingbirdBcrypt
import HummingbirdTesting
import Logging
import SmileyCore
import Testing

@testable import SmileyHub

/// A hub on PostgreSQL and a hub on SQLite, each a whole application over HTTP on loopback, told the
/// same history: a signed-in manager reads the same heatmaps, exports and overview from both, and a
/// manager of one centre is refused the other alike.
@Suite(.enabled(if: PostgresTestServer.isAvailable, "needs the server of scripts/with-postgres.sh"))
struct PostgresReadHubTests {
    static let password = "correct horse battery"

    /// Both managers: Dorji sees both centres, Pema only Paro.
    static func addPeople(_ people: any PeopleStore) async throws {
        let hash = Bcrypt.hash(password, cost: 4)
        try await people.addPerson(
            "dorji", role: .manager, grants: [.centre(ReadHistory.centre), .centre(ReadHistory.other)],
            passwordHash: hash, by: "test", nowMillis: ReadHistory.nowMillis)
        try await people.addPerson(
            "pema", role: .manager, grants: [.centre(ReadHistory.other)], passwordHash: hash, by: "test",
            nowMillis: ReadHistory.nowMillis)
    }

    /// A device added to both hubs whose batch each receives over HTTP before anything is read.
    static let lobby = DeviceID(rawValue: "paro-lobby-2")!

    /// Its batch: presses over the three weeks, as the history's own.
    static func lobbyBatch() throws -> ByteBuffer {
        let presses = ReadHistory().presses(lobby, first: 1, count: 60, days: 21)
        return ByteBuffer(
            bytes: try JSONEncoder().encode(
                IngestBatch(
                    device: lobby, centre: ReadHistory.other, presses: presses,
                    clock: ClockSample(
                        boot: "boot-a", monotonicNanos: 1_000_000_000_000 + 61_000_000,
                        wallClockMillis: ReadHistory.nowMillis, synchronised: true))))
    }

    static func upload(_ client: some TestClientProtocol, token: String) async throws -> IngestReceipt {
        try await client.execute(
            uri: "/api/v1/ingest", method: .post,
            headers: [.authorization: "Bearer \(token)", .contentType: "application/json"], body: try lobbyBatch()
        ) { response in
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            return try JSONDecoder().decode(IngestReceipt.self, from: Data(response.body.readableBytesView))
        }
    }

    static let reads = [
        "/api/v1/centres",
        "/api/v1/centres/wangdue-dcrc/heatmap",
        "/api/v1/centres/wangdue-dcrc/heatmap?question=accessibility&window=last-13-weeks",
        "/api/v1/centres/wangdue-dcrc/heatmap?question=satisfaction&from=2026-11-02&to=2026-11-15",
        "/api/v1/centres/wangdue-dcrc/heatmap?window=last-week&device=wangdue-exit-1",
        "/api/v1/centres/paro-dcrc/heatmap?window=this-week",
        "/api/v1/centres/wangdue-dcrc/export?format=json&window=last-4-weeks",
        "/api/v1/centres/paro-dcrc/export?from=2026-11-09&to=2026-11-22",
        "/api/v1/export?format=json&window=last-13-weeks",
        "/api/v1/export?window=last-week",
        "/",
        "/?window=last-week&sort=name",
        "/?from=2026-11-02&to=2026-11-08",
    ]

    /// What a person reads at each path, with the page's own form token taken out.
    static func read(_ client: some TestClientProtocol, as person: String, _ paths: [String]) async throws
        -> [String: Reply]
    {
        let cookie = try #require(try await client.signIn(person, password).cookie)
        var replies: [String: Reply] = [:]
        for path in paths {
            let reply = try await client.send(.get, path, cookie: cookie)
            let body = reply.csrfField.map { reply.body.replacingOccurrences(of: $0, with: "TOKEN") } ?? reply.body
            replies[path] = Reply(status: reply.status, body: body, headers: reply.headers)
        }
        return replies
    }

    @Test func aManagerReadsTheSameFiguresFromPostgresAsFromSQLite() async throws {
        var logger = Logger(label: "smiley.hub.read.test")
        logger.logLevel = .warning
        let clock = HubClock.fixed(ReadHistory.nowMillis)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smiley-reads-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let database = try HubDatabase(path: directory.appendingPathComponent("hub.sqlite").path)
        for stage in ReadHistory.stages.indices { try await ReadHistory().tell(stage, to: database) }
        try await Self.addPeople(database)
        let liteToken = try database.addDevice(Self.lobby, centre: ReadHistory.other, nowMillis: 0).value

        try await PostgresTestServer.withFreshDatabase { name in
            let pgToken = try await PostgresTestServer.withClient(database: name) { client in
                let store = PostgresPressStore.quiet(client)
                try await store.migrate()
                for stage in ReadHistory.stages.indices { try await ReadHistory().tell(stage, to: store) }
                try await Self.addPeople(store)
                return try await store.addDevice(Self.lobby, centre: ReadHistory.other, publicKey: nil, nowMillis: 0)
                    .value
            }
            let location = try PostgresLocation.parse(
                "postgres://\(PostgresTestServer.environment["SMILEY_TEST_POSTGRES_USER"] ?? "postgres")@/\(name)?host=\(try #require(PostgresTestServer.socketDirectory))"
            )
            let onPostgres = try buildPostgresApplication(
                configuration: HubConfiguration(host: "127.0.0.1", port: 0, stateDirectory: "/nonexistent"),
                location: location, password: nil, logger: logger, clock: clock, access: .testing)
            let onSQLite = try buildApplication(
                configuration: HubConfiguration(host: "127.0.0.1", port: 0, stateDirectory: directory.path),
                database: database, logger: logger, clock: clock, access: .testing)
            try await onPostgres.test(.live) { pg in
                try await onSQLite.test(.live) { lite in
                    // The same batch reaches each hub over HTTP with the device's own token.
                    let (fromPG, fromLite) = (
                        try await Self.upload(pg, token: pgToken), try await Self.upload(lite, token: liteToken)
                    )
                    #expect(fromPG.accepted == 60 && fromPG == fromLite)
                    let fromPostgres = try await Self.read(pg, as: "dorji", Self.reads)
                    let fromSQLite = try await Self.read(lite, as: "dorji", Self.reads)
                    for path in Self.reads {
                        let (p, s) = (try #require(fromPostgres[path]), try #require(fromSQLite[path]))
                        #expect(p.status == .ok && s.status == .ok, "\(path)")
                        #expect(p.body == s.body, "\(path)")
                        #expect(
                            p.headers[.contentDisposition] == s.headers[.contentDisposition], "\(path)")
                    }
                    // The figures are there to compare: presses counted, rows exported, both centres listed.
                    let heatmap = try JSONDecoder().decode(
                        HeatmapResponse.self,
                        from: Data(try #require(fromPostgres["/api/v1/centres/wangdue-dcrc/heatmap"]).body.utf8))
                    #expect(heatmap.presses > 30 && heatmap.outsideOpeningHours > 0)
                    let export = try JSONDecoder().decode(
                        ExportController.Export.self,
                        from: Data(
                            try #require(fromPostgres["/api/v1/export?format=json&window=last-13-weeks"]).body.utf8))
                    #expect(export.rows.count > 100 && Set(export.rows.map(\.centre)).count == 2)
                    let overview = try #require(fromPostgres["/"]).body
                    #expect(overview.contains("Wangdue DCRC") && overview.contains("Paro DCRC"))
                    let cookie = try #require(try await pg.signIn("dorji", Self.password).cookie)
                    #expect(try await pg.send(.get, "/", cookie: cookie).body.contains(#"data-live="true""#))

                    // Pema manages Paro only: Wangdue does not exist for her, on either hub, in the same words.
                    let hers = [
                        "/api/v1/centres", "/api/v1/centres/wangdue-dcrc/heatmap",
                        "/api/v1/centres/wangdue-dcrc/export?format=json", "/api/v1/centres/paro-dcrc/heatmap", "/",
                    ]
                    let pemaPostgres = try await Self.read(pg, as: "pema", hers)
                    let pemaSQLite = try await Self.read(lite, as: "pema", hers)
                    for path in hers {
                        #expect(pemaPostgres[path]?.status == pemaSQLite[path]?.status, "\(path)")
                        #expect(pemaPostgres[path]?.body == pemaSQLite[path]?.body, "\(path)")
                    }
                    #expect(pemaPostgres["/api/v1/centres/wangdue-dcrc/heatmap"]?.status == .notFound)
                    #expect(pemaPostgres["/api/v1/centres/wangdue-dcrc/export?format=json"]?.status == .notFound)
                    #expect(pemaPostgres["/api/v1/centres/paro-dcrc/heatmap"]?.status == .ok)
                    #expect(pemaPostgres["/"]?.body.contains("Wangdue DCRC") == false)

                    // Nobody signed in, or a device's token: no figures from PostgreSQL, as on SQLite.
                    for path in Self.reads where path.hasPrefix("/api/") {
                        for caller in [nil, pgToken] {
                            let reply = try await pg.send(.get, path, bearer: caller)
                            #expect(reply.status == .unauthorized, "\(path)")
                            #expect(!reply.body.contains("wangdue-dcrc"), "\(path)")
                        }
                    }
                    for path in Self.reads where !path.hasPrefix("/api/") {
                        let anonymous = try await pg.send(.get, path)
                        #expect(anonymous.status == .seeOther && anonymous.headers[.location] == "/login", "\(path)")
                    }

                    // A centre's page showing today follows new presses, and its event stream opens, as on SQLite.
                    let page = try await pg.send(.get, "/centres/wangdue-dcrc", cookie: cookie)
                    #expect(page.status == .ok && page.body.contains(#"data-live="true""#))
                    let events = try await EventStreamClient.open(port: try #require(pg.port), cookie: cookie)
                    try await PostgresPeriodicHubTests.waitUntil("the event stream opens") { events.isOpen }
                    await events.close()
                }
            }
            // Each export left its audit line in PostgreSQL, naming who took which centres.
            try await PostgresTestServer.withClient(database: name) { client in
                let audit = try await PostgresPressStore.quiet(client).auditEntries(limit: 100).filter {
                    $0.action == "export"
                }
                #expect(audit.count == 4 && audit.allSatisfy { $0.actor == "dorji" })
                #expect(audit.contains { $0.detail.contains("centres: paro-dcrc, wangdue-dcrc") })
            }
        }
    }
}
