import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import SmileyCore
import Testing

@testable import SmileyHub

/// A hub on PostgreSQL draws its pages with the same templates: over HTTP on loopback, a hostile centre name,
/// action and display label are escaped on Unicode scalars there too (CombiningMarkEscapeTests on SQLite).
@Suite(.enabled(if: PostgresTestServer.isAvailable, "needs the server of scripts/with-postgres.sh"))
struct PostgresEscapeTests {
    static let hostileCentre = CentreID(rawValue: "hostile-dcrc")!

    @Test func aPostgresHubEscapesAHostileCentreNameAndActionOnItsPages() async throws {
        var logger = Logger(label: "smiley.hub.escape.test")
        logger.logLevel = .warning
        let hostile = CombiningMarkEscapeTests.hostile
        try await PostgresTestServer.withFreshDatabase { name in
            let (display, token) = try await PostgresTestServer.withClient(database: name) { client in
                let store = PostgresPressStore.quiet(client)
                try await store.migrate()
                for stage in ReadHistory.stages.indices { try await ReadHistory().tell(stage, to: store) }
                try await store.addCentre(
                    Centre(id: Self.hostileCentre, name: hostile("Paro"), timeZone: "Asia/Thimphu"))
                try await store.addAction(
                    centre: ReadHistory.centre, date: try LocalDate.parse("2026-11-16"), text: hostile("Counter"),
                    target: nil, by: "dorji", address: nil, nowMillis: ReadHistory.nowMillis - 500_000)
                let display = try await store.createDisplayToken(
                    centre: ReadHistory.centre, label: hostile("entrance"), by: "admin",
                    nowMillis: ReadHistory.nowMillis)
                try await store.addPerson(
                    "root", role: .administrator, grants: [], passwordHash: nil, by: "test", nowMillis: 0)
                let token = try await store.createAPIToken(
                    for: "root", name: "pages", expiresMillis: nil, by: "test", address: nil, nowMillis: 0)
                return (display, token.token)
            }
            let hub = try PostgresLobbyHubTests.postgresHub(
                name, clock: .fixed(ReadHistory.nowMillis), logger: logger)
            try await hub.test(.live) { client in
                let screen = try await client.send(.get, "/display/\(display.token)")
                #expect(screen.status == .ok && CombiningMarkEscapeTests.has(screen.body, "Counter &quot;"))
                CombiningMarkEscapeTests.expectEscaped(screen.body, "lobby screen on PostgreSQL")
                let overview = try await client.send(.get, "/", bearer: token)
                #expect(overview.status == .ok && CombiningMarkEscapeTests.has(overview.body, "Paro &quot;"))
                CombiningMarkEscapeTests.expectEscaped(overview.body, "overview on PostgreSQL")
                let centre = try await client.send(.get, "/centres/\(Self.hostileCentre)", bearer: token)
                #expect(centre.status == .ok && CombiningMarkEscapeTests.has(centre.body, "Paro &quot;"))
                CombiningMarkEscapeTests.expectEscaped(centre.body, "centre page on PostgreSQL")
                let actions = try await client.send(.get, "/centres/\(ReadHistory.centre)", bearer: token)
                #expect(actions.status == .ok && CombiningMarkEscapeTests.has(actions.body, "Counter &quot;"))
                CombiningMarkEscapeTests.expectEscaped(actions.body, "centre page with the action on PostgreSQL")
            }
        }
    }
}
