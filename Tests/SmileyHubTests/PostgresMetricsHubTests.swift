import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import SmileyCore
import Testing

@testable import SmileyHub

/// `/metrics` of a hub on PostgreSQL against a hub on SQLite, each a whole application over HTTP on
/// loopback, told the same history (ReadHistory, then one batch and one heartbeat over HTTP): the same
/// series with the same values, and the same access rule.
@Suite(.enabled(if: PostgresTestServer.isAvailable, "needs the server of scripts/with-postgres.sh"))
struct PostgresMetricsHubTests {
    static let metricsToken = "metrics-token-for-both-hubs-0123"

    /// The lobby device's heartbeat after its batch: a backlog, a stuck line and a storage warning.
    static func heartbeat() throws -> ByteBuffer {
        ByteBuffer(
            bytes: try JSONEncoder().encode(
                Heartbeat(
                    device: PostgresReadHubTests.lobby, centre: ReadHistory.other, firmwareVersion: "1.2.3",
                    uptimeSeconds: 900, backlog: 17, oldestUnsentMillis: ReadHistory.nowMillis - 120_000,
                    lastPressMillis: ReadHistory.nowMillis - 60_000,
                    clock: ClockSample(
                        boot: "boot-a", monotonicNanos: 1_000_000_000_000 + 62_000_000,
                        wallClockMillis: ReadHistory.nowMillis, synchronised: true),
                    stuckLines: ["GPIO13"], lostGPIOEvents: 0, freeDiskBytes: 1 << 30,
                    storageWarning: "store at 91% of its budget")))
    }

    /// A scrape's samples, "name{labels}" -> value, leaving out what differs by nature rather than by
    /// history: timings (the ingest's duration), the test client's own connections, the database's size
    /// (a file on SQLite, a database on PostgreSQL) and open alerts (the SQLite hub's alert service runs
    /// beside the test; alerts are not held on PostgreSQL).
    static func samples(_ text: String) -> [String: String] {
        var samples: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " ") else { continue }
            let series = String(line[..<space])
            if [
                "smiley_hub_ingest_duration_seconds", "smiley_hub_http_connections", "smiley_hub_database_bytes",
                "smiley_hub_alerts_open",
            ].contains(where: { series.hasPrefix($0) }) {
                continue
            }
            samples[series] = String(line[line.index(after: space)...])
        }
        return samples
    }

    static func scrape(_ client: some TestClientProtocol, headers: HTTPFields) async throws -> (
        HTTPResponse.Status, String
    ) {
        try await client.execute(uri: "/metrics", method: .get, headers: headers) { response in
            (response.status, String(buffer: response.body))
        }
    }

    @Test func aHubOnPostgresGivesTheSameMetricsAsOneOnSQLite() async throws {
        var logger = Logger(label: "smiley.hub.metrics.test")
        logger.logLevel = .warning
        let clock = HubClock.fixed(ReadHistory.nowMillis)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smiley-pg-metrics-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let database = try HubDatabase(path: directory.appendingPathComponent("hub.sqlite").path)
        for stage in ReadHistory.stages.indices { try await ReadHistory().tell(stage, to: database) }
        let liteToken = try database.addDevice(PostgresReadHubTests.lobby, centre: ReadHistory.other, nowMillis: 0)
            .value

        try await PostgresTestServer.withFreshDatabase { name in
            let pgToken = try await PostgresTestServer.withClient(database: name) { client in
                let store = PostgresPressStore.quiet(client)
                try await store.migrate()
                for stage in ReadHistory.stages.indices { try await ReadHistory().tell(stage, to: store) }
                return try await store.addDevice(
                    PostgresReadHubTests.lobby, centre: ReadHistory.other, publicKey: nil, nowMillis: 0
                ).value
            }
            let location = try PostgresLocation.parse(
                "postgres://\(PostgresTestServer.environment["SMILEY_TEST_POSTGRES_USER"] ?? "postgres")@/\(name)?host=\(try #require(PostgresTestServer.socketDirectory))"
            )
            var pgConfiguration = HubConfiguration(host: "127.0.0.1", port: 0, stateDirectory: "/nonexistent")
            pgConfiguration.metricsAccess = .bearerToken(Self.metricsToken)
            var liteConfiguration = HubConfiguration(host: "127.0.0.1", port: 0, stateDirectory: directory.path)
            liteConfiguration.metricsAccess = .bearerToken(Self.metricsToken)
            let onPostgres = try buildPostgresApplication(
                configuration: pgConfiguration, location: location, password: nil, logger: logger, clock: clock,
                access: .testing)
            let onSQLite = try buildApplication(
                configuration: liteConfiguration, database: database, logger: logger, clock: clock, access: .testing)
            try await onPostgres.test(.live) { pg in
                try await onSQLite.test(.live) { lite in
                    var scrapes: [String] = []
                    for (client, token) in [(pg, pgToken), (lite, liteToken)] as [(any TestClientProtocol, String)] {
                        // The same batch and heartbeat reach each hub over HTTP with the device's own token.
                        _ = try await PostgresReadHubTests.upload(client, token: token)
                        let beat = try await client.execute(
                            uri: "/api/v1/heartbeat", method: .post,
                            headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
                            body: try Self.heartbeat())
                        #expect(beat.status == .ok)
                        // The same access rule: no token, a device's token, a wrong one: 401, no figures.
                        for header: HTTPFields in [
                            [:], [.authorization: "Bearer \(token)"], [.authorization: "Bearer \(Self.metricsToken)x"],
                        ] {
                            let (status, body) = try await Self.scrape(client, headers: header)
                            #expect(status == .unauthorized)
                            #expect(!body.contains("smiley_hub_device"))
                        }
                        let (status, body) = try await Self.scrape(
                            client, headers: [.authorization: "Bearer \(Self.metricsToken)"])
                        #expect(status == .ok)
                        scrapes.append(body)
                    }
                    let (fromPostgres, fromSQLite) = (Self.samples(scrapes[0]), Self.samples(scrapes[1]))
                    #expect(fromPostgres == fromSQLite)
                    for series in Set(fromPostgres.keys).union(fromSQLite.keys).sorted()
                    where fromPostgres[series] != fromSQLite[series] {
                        Issue.record(
                            "\(series): PostgreSQL \(fromPostgres[series] ?? "-"), SQLite \(fromSQLite[series] ?? "-")")
                    }
                    // The figures are there to compare: every device, the lobby's backlog, both centres, presses.
                    let lobby = #"centre="paro-dcrc",device="paro-lobby-2""#
                    #expect(fromPostgres["smiley_hub_devices"] == "4.0")
                    #expect(fromPostgres["smiley_hub_device_backlog_presses{\(lobby)}"] == "17.0")
                    #expect(fromPostgres["smiley_hub_device_heartbeat_age_seconds{\(lobby)}"] == "0.0")
                    #expect(fromPostgres.keys.filter { $0.hasPrefix("smiley_hub_centre_open") }.count == 2)
                    #expect(fromPostgres[#"smiley_hub_ingest_presses_total{outcome="accepted"}"#] == "60")
                    #expect(fromPostgres["smiley_hub_devices_seen_last_hour"] != "0")
                    // PostgreSQL's size is its database's.
                    let size = scrapes[0].split(separator: "\n").first {
                        $0.hasPrefix(#"smiley_hub_database_bytes{file="main"}"#)
                    }
                    #expect((size?.split(separator: " ").last.flatMap { Double($0) } ?? 0) > 0)
                }
            }
        }
    }
}
