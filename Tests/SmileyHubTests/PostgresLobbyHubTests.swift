import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import SmileyCore
import Testing

@testable import SmileyHub

/// The public lobby screen on a hub on PostgreSQL and a hub on SQLite, each over HTTP on loopback, told the
/// same history (presses, actions, alerts) and a display token each: the screen and the poster are the same
/// bytes on both, an unknown token is 404 and a revoked one 410 on both; and a token revoked in the database is refused by two PostgreSQL hubs at their next request.
@Suite(.enabled(if: PostgresTestServer.isAvailable, "needs the server of scripts/with-postgres.sh"))
struct PostgresLobbyHubTests {
    /// Last week's actions at Wangdue, as the centre page's form would record them.
    static func addActions(_ care: any CentreCareStore) async throws {
        try await care.addAction(
            centre: ReadHistory.centre, date: try LocalDate.parse("2026-11-16"), text: "Second counter <opened>",
            target: "Mon 09:00-12:00", by: "dorji", address: nil, nowMillis: ReadHistory.nowMillis - 500_000)
        try await care.addAction(
            centre: ReadHistory.centre, date: try LocalDate.parse("2026-11-19"), text: "Ramp repaired", target: nil,
            by: "dorji", address: nil, nowMillis: ReadHistory.nowMillis - 400_000)
    }

    /// The lobby's options as `serve --lobby-refresh` sets them, alike on both hubs.
    static let lobby = LobbySettings(refreshSeconds: 60)

    static func location(_ name: String) throws -> PostgresLocation {
        try PostgresLocation.parse(
            "postgres://\(PostgresTestServer.environment["SMILEY_TEST_POSTGRES_USER"] ?? "postgres")@/\(name)?host=\(try #require(PostgresTestServer.socketDirectory))"
        )
    }

    static func postgresHub(_ name: String, clock: HubClock, logger: Logger) throws -> some ApplicationProtocol {
        try buildPostgresApplication(
            configuration: HubConfiguration(host: "127.0.0.1", port: 0, stateDirectory: "/nonexistent", lobby: lobby),
            location: try location(name), password: nil, logger: logger, clock: clock, access: .testing,
            periodicWork: false)
    }

    /// The screen, the poster and the font of `token`, each as status, body and headers.
    static func lobbyPages(_ client: some TestClientProtocol, token: String) async throws -> [String: Reply] {
        var replies: [String: Reply] = [:]
        for (name, path) in [
            ("screen", "/display/\(token)"), ("poster", "/display/\(token)/poster"), ("font", LobbyController.fontPath),
        ] {
            let reply = try await client.send(.get, path)
            replies[name] = reply
        }
        return replies
    }

    @Test func theLobbyScreenIsTheSameOnPostgresAsOnSQLite() async throws {
        var logger = Logger(label: "smiley.hub.lobby.test")
        logger.logLevel = .warning
        let clock = HubClock.fixed(ReadHistory.nowMillis)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smiley-lobby-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let database = try HubDatabase(path: directory.appendingPathComponent("hub.sqlite").path)
        for stage in ReadHistory.stages.indices { try await ReadHistory().tell(stage, to: database) }
        try await PostgresCareHubTests.addAlerts(database)
        try await Self.addActions(database)
        let liteScreen = try database.createDisplayToken(
            centre: ReadHistory.centre, label: "entrance", by: "admin", nowMillis: ReadHistory.nowMillis)
        let liteOld = try database.createDisplayToken(
            centre: ReadHistory.other, label: "old", by: "admin", nowMillis: ReadHistory.nowMillis)
        try database.revokeDisplayToken(liteOld.id, by: "admin", nowMillis: ReadHistory.nowMillis)

        try await PostgresTestServer.withFreshDatabase { name in
            let (pgScreen, pgOld) = try await PostgresTestServer.withClient(database: name) { client in
                let store = PostgresPressStore.quiet(client)
                try await store.migrate()
                for stage in ReadHistory.stages.indices { try await ReadHistory().tell(stage, to: store) }
                try await PostgresCareHubTests.addAlerts(store)
                try await Self.addActions(store)
                let screen = try await store.createDisplayToken(
                    centre: ReadHistory.centre, label: "entrance", by: "admin", nowMillis: ReadHistory.nowMillis)
                let old = try await store.createDisplayToken(
                    centre: ReadHistory.other, label: "old", by: "admin", nowMillis: ReadHistory.nowMillis)
                try await store.revokeDisplayToken(old.id, by: "admin", nowMillis: ReadHistory.nowMillis)
                return (screen, old)
            }
            let onPostgres = try Self.postgresHub(name, clock: clock, logger: logger)
            let onSQLite = Application(
                router: try buildRouter(database: database, clock: clock, access: .testing, lobby: Self.lobby),
                configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: logger)
            try await onPostgres.test(.live) { pg in
                try await onSQLite.test(.live) { lite in
                    let fromPostgres = try await Self.lobbyPages(pg, token: pgScreen.token)
                    let fromSQLite = try await Self.lobbyPages(lite, token: liteScreen.token)
                    for page in ["screen", "poster", "font"] {
                        let (p, s) = (try #require(fromPostgres[page]), try #require(fromSQLite[page]))
                        #expect(p.status == s.status, "\(page)")
                        #expect(p.body == s.body, "\(page)")
                        #expect(p.headers[.contentType] == s.headers[.contentType], "\(page)")
                        #expect(p.headers[.contentSecurityPolicy] == s.headers[.contentSecurityPolicy], "\(page)")
                    }
                    // There is something to compare: last week's figures, the actions, the lobby's options.
                    let screen = try #require(fromPostgres["screen"])
                    #expect(screen.status == .ok)
                    #expect(screen.body.contains("Last week: Monday 16 November 2026 to Sunday 22 November 2026"))
                    #expect(
                        screen.body.contains("Second counter &lt;opened&gt;") && screen.body.contains("Ramp repaired"))
                    #expect(screen.body.contains(#"<body data-refresh-seconds="60">"#))
                    #expect(screen.body.contains("out of 100, from ") && !screen.body.contains("answers negative"))
                    // Neither page repeats its token (the tokens differ: each store made its own).
                    for page in ["screen", "poster"] {
                        #expect(!(fromPostgres[page]?.body.contains(pgScreen.token) ?? true), "\(page)")
                        #expect(!(fromPostgres[page]?.body.contains(String(pgScreen.token.dropFirst(8))) ?? true))
                    }
                    let poster = try #require(fromPostgres["poster"])
                    #expect(poster.status == .ok && poster.body.contains("@page { size: A4 portrait;"))

                    // Unknown, revoked, malformed: the same answers on both, never 503.
                    let refused = [
                        "/display/display_0123", "/display/display_0123/poster", "/display/anything",
                    ]
                    for path in refused {
                        let (p, s) = (try await pg.send(.get, path), try await lite.send(.get, path))
                        #expect(p.status == .notFound && s.status == .notFound, "\(path)")
                        #expect(p.body == s.body && p.body.contains("no results screen at this address"), "\(path)")
                    }
                    for (p, s) in [
                        ("/display/\(pgOld.token)", "/display/\(liteOld.token)"),
                        ("/display/\(pgOld.token)/poster", "/display/\(liteOld.token)/poster"),
                    ] {
                        let (fromPG, fromLite) = (try await pg.send(.get, p), try await lite.send(.get, s))
                        #expect(fromPG.status == .gone && fromLite.status == .gone, "\(p)")
                        #expect(fromPG.body == fromLite.body && fromPG.body.contains("switched off"))
                    }
                    // The other hub's token is unknown here: each database holds only its own hashes.
                    #expect(try await pg.send(.get, "/display/\(liteScreen.token)").status == .notFound)
                }
            }
        }
    }

    @Test func aTokenRevokedInTheDatabaseIsRefusedByEveryHubAtItsNextRequest() async throws {
        var logger = Logger(label: "smiley.hub.lobby.test")
        logger.logLevel = .warning
        let clock = HubClock.fixed(ReadHistory.nowMillis)
        try await PostgresTestServer.withFreshDatabase { name in
            let display = try await PostgresTestServer.withClient(database: name) { client in
                let store = PostgresPressStore.quiet(client)
                try await store.migrate()
                try await ReadHistory().tell(0, to: store)
                return try await store.createDisplayToken(
                    centre: ReadHistory.centre, label: "hall", by: "admin", nowMillis: ReadHistory.nowMillis)
            }
            let first = try Self.postgresHub(name, clock: clock, logger: logger)
            let second = try Self.postgresHub(name, clock: clock, logger: logger)
            try await first.test(.live) { one in
                try await second.test(.live) { two in
                    for hub in [one, two] {
                        #expect(try await hub.send(.get, "/display/\(display.token)").status == .ok)
                    }
                    try await PostgresTestServer.withClient(database: name) { client in
                        try await PostgresPressStore.quiet(client).revokeDisplayToken(
                            display.id, by: "admin", nowMillis: ReadHistory.nowMillis + 1)
                    }
                    for hub in [one, two] {
                        #expect(try await hub.send(.get, "/display/\(display.token)").status == .gone)
                        #expect(try await hub.send(.get, "/display/\(display.token)/poster").status == .gone)
                    }
                }
            }
        }
    }

    /// Two pools (two hub processes) revoking the same token at the same moment, twenty tokens in turn: each
    /// time one revocation is recorded, with one audit line, and the other is refused by name.
    @Test func twoRevokingTheSameTokenAtOnceRecordItOnce() async throws {
        try await PostgresTestServer.withFreshDatabase { name in
            try await PostgresTestServer.withClient(database: name) { first in
                try await PostgresTestServer.withClient(database: name) { second in
                    let (a, b) = (PostgresPressStore.quiet(first), PostgresPressStore.quiet(second))
                    try await a.migrate()
                    try await ReadHistory().tell(0, to: a)
                    let rounds = 20
                    for round in 0..<rounds {
                        let display = try await a.createDisplayToken(
                            centre: ReadHistory.centre, label: "screen \(round)", by: "admin", nowMillis: 1)
                        async let byA = Self.outcome {
                            try await a.revokeDisplayToken(display.id, by: "a", nowMillis: 2)
                        }
                        async let byB = Self.outcome {
                            try await b.revokeDisplayToken(display.id, by: "b", nowMillis: 3)
                        }
                        let outcomes = [await byA, await byB]
                        #expect(outcomes.filter { $0 == nil }.count == 1, "round \(round)")
                        #expect(
                            outcomes.compactMap { $0 } == [
                                .notFound("no display token #\(display.id), or it is already revoked")
                            ], "round \(round)")
                        #expect(try await b.displayAccess(token: display.token) == .revoked)
                    }
                    let lines = try await a.auditEntries(limit: 1000).filter { $0.action == "display token revoked" }
                    #expect(lines.count == rounds)
                }
            }
        }
    }

    /// nil when `body` succeeded, else its refusal.
    static func outcome(_ body: () async throws -> Void) async -> HubError? {
        do {
            try await body()
            return nil
        } catch let error as HubError {
            return error
        } catch {
            return .storage("not a HubError: \(error)")
        }
    }
}
