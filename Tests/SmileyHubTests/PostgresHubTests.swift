import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PostgresNIO
import SmileyCore
import Testing

@testable import SmileyHub

/// `--database postgres://…`: the URL's forms and refusals (plain data, no server).
@Suite struct PostgresLocationTests {
    @Test func aHostAPortAndADatabase() throws {
        let location = try PostgresLocation.parse("postgres://smiley@db.example:6543/hub")
        #expect(
            location
                == PostgresLocation(user: "smiley", database: "hub", endpoint: .tcp(host: "db.example", port: 6543)))
        #expect(try PostgresLocation.parse("postgresql://smiley@db/hub").endpoint == .tcp(host: "db", port: 5432))
    }

    @Test func aSocketDirectory() throws {
        let location = try PostgresLocation.parse("postgres://smiley@/hub?host=/run/postgresql")
        #expect(location.endpoint == .socketDirectory("/run/postgresql", port: 5432))
        #expect(location.user == "smiley" && location.database == "hub")
    }

    @Test func aPasswordInTheURLIsRefusedAndNotRepeated() {
        #expect {
            try PostgresLocation.parse("postgres://smiley:s3cret@db/hub")
        } throws: { error in
            let text = "\(error)"
            return text.contains("--database-password-file") && text.contains("PGPASSWORD") && !text.contains("s3cret")
        }
    }

    @Test(arguments: [
        ("mysql://smiley@db/hub", "scheme"), ("postgres://db/hub", "user"), ("postgres://smiley@db/", "database name"),
        ("postgres://smiley@/hub", "no host"), ("postgres://smiley@db/hub?host=/run", "both"),
        ("postgres://smiley@/hub?host=relative", "absolute"), ("postgres://smiley@db/hub?sslmode=require", "sslmode"),
    ])
    func badURLsAreRefusedByName(_ url: String, _ named: String) {
        #expect {
            try PostgresLocation.parse(url)
        } throws: { error in "\(error)".contains(named) }
    }

    @Test func thePasswordComesFromAFileOrTheEnvironment() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pg-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try "from-file\nignored\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try PostgresLocation.password(file: file, environment: ["PGPASSWORD": "env"]) == "from-file")
        #expect(try PostgresLocation.password(file: nil, environment: ["PGPASSWORD": "env"]) == "env")
        #expect(try PostgresLocation.password(file: nil, environment: [:]) == nil)
        #expect(throws: HubError.self) { try PostgresLocation.password(file: file + ".missing", environment: [:]) }
    }

    /// Every route an SQLite hub has, a PostgreSQL hub has, and no other: an address that is not a route
    /// is not found on both (the routers are built, nothing is asked of a server).
    @Test func aPostgreSQLHubHasEveryRouteOfAnSQLiteHubAndNoOther() throws {
        let fixture = try ReadSideFixture()
        let onSQLite = try buildRouter(database: fixture.database, clock: .fixed(0), access: .testing)
        let client = PostgresClient(
            configuration: .init(
                unixSocketPath: "/nonexistent/.s.PGSQL.5432", username: "nobody", password: nil, database: nil))
        let store = PostgresPressStore(client: client, logger: Logger(label: "test"))
        let onPostgres = try buildPostgresRouter(
            store: store, access: try Access(store: store, clock: .fixed(0), settings: .testing), clock: .fixed(0))
        let sqliteRoutes = Set(onSQLite.routes.map { "\($0.method) \($0.path)" })
        let postgresRoutes = Set(onPostgres.routes.map { "\($0.method) \($0.path)" })
        #expect(sqliteRoutes.count >= 25)
        #expect(postgresRoutes.subtracting(sqliteRoutes).isEmpty, "only on PostgreSQL")
        #expect(sqliteRoutes.subtracting(postgresRoutes).isEmpty, "only on SQLite")
    }
}

extension PressStoreTests {
    /// `GET /api/v1/devices/{id}` reads the same on both backends.
    @Test(arguments: StoreBackend.available)
    func theDeviceStatusSaysWhatIsHeld(_ backend: StoreBackend) async throws {
        try await backend.withStore { subject in
            let store = subject.store
            try await Self.prepare(store)
            #expect(try await store.deviceStatus(Self.device, nowMillis: 5, sequence: nil)?.highestSequence == 0)
            _ = try await store.ingest(Self.batch([Self.press(1), Self.press(2)]), receivedMillis: Self.mondayTen)
            _ = try await store.ingest(Self.batch([Self.press(4)]), receivedMillis: Self.mondayTen)
            let status = try #require(try await store.deviceStatus(Self.device, nowMillis: 9, sequence: 4))
            #expect(status.centre == Self.centre && status.hubTimeMillis == 9)
            #expect(status.highestSequence == 4 && status.highestContiguousSequence == 2)
            #expect(status.pressAtSequence == PressFingerprint(Self.press(4)))
            #expect(try await store.deviceStatus(Self.device, nowMillis: 9, sequence: 3)?.pressAtSequence == nil)
            #expect(try await store.deviceStatus(DeviceID(rawValue: "nobody")!, nowMillis: 9, sequence: nil) == nil)
        }
    }
}

/// The hub's device routes served from PostgreSQL, alone.
@Suite(.enabled(if: PostgresTestServer.isAvailable, "needs the server of scripts/with-postgres.sh"))
struct PostgresDeviceRouterTests {
    @Test func devicesUploadAndEnrollAndThereAreNoPagesHere() async throws {
        try await StoreBackend.postgres.withStore { subject in
            let token = try #require(try await PressStoreTests.prepare(subject.store).first)
            let app = Application(router: buildDeviceRouter(store: subject.store, clock: .fixed(1_793_592_100_000)))
            try await app.test(.router) { client in
                let clock = ClockSample(
                    boot: "boot-a", monotonicNanos: 2_000_000_000_000, wallClockMillis: 1_793_592_100_000,
                    synchronised: true)
                let batch = PressStoreTests.batch([PressStoreTests.press(1), PressStoreTests.press(2)], clock: clock)
                let body = ByteBuffer(bytes: try JSONEncoder().encode(batch))
                let headers: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/json"]
                let ingest = try await client.execute(
                    uri: "/api/v1/ingest", method: .post, headers: headers, body: body)
                #expect(ingest.status == .ok)
                let receipt = try JSONDecoder().decode(IngestReceipt.self, from: Data(ingest.body.readableBytesView))
                #expect(receipt.accepted == 2)
                let again = try await client.execute(uri: "/api/v1/ingest", method: .post, headers: headers, body: body)
                #expect(
                    try JSONDecoder().decode(IngestReceipt.self, from: Data(again.body.readableBytesView)).duplicates
                        == 2)
                let status = try await client.execute(
                    uri: "/api/v1/devices/\(PressStoreTests.device)", method: .get, headers: headers)
                #expect(status.status == .ok)
                #expect(
                    try JSONDecoder().decode(DeviceStatus.self, from: Data(status.body.readableBytesView))
                        .highestSequence == 2)
                let heartbeat = Heartbeat(
                    device: PressStoreTests.device, centre: PressStoreTests.centre, firmwareVersion: "0.1.0",
                    uptimeSeconds: 1200, backlog: 0, oldestUnsentMillis: nil, lastPressMillis: nil, clock: clock,
                    stuckLines: [], lostGPIOEvents: 0, freeDiskBytes: 1 << 30, storageWarning: nil)
                let beat = try await client.execute(
                    uri: "/api/v1/heartbeat", method: .post, headers: headers,
                    body: ByteBuffer(bytes: try JSONEncoder().encode(heartbeat)))
                #expect(beat.status == .ok)
                #expect(
                    try JSONDecoder().decode(DeviceStatus.self, from: Data(beat.body.readableBytesView))
                        .highestContiguousSequence == 2)
                #expect(try await subject.store.lastHeartbeat(PressStoreTests.device)?.heartbeat == heartbeat)
                let stranger = try await client.execute(
                    uri: "/api/v1/ingest", method: .post, headers: [.authorization: "Bearer smiley_nope"], body: body)
                #expect(stranger.status == .unauthorized)
                #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
                // A hub of device routes alone has no pages: not found, as an address that is no route.
                for path in ["/", "/api/v1/centres", "/metrics", "/centres/wangdue-dcrc", "/account/tokens/1/delete"] {
                    #expect(try await client.execute(uri: path, method: .get).status == .notFound, "\(path)")
                }
                // Enrollment is served: a code issued on PostgreSQL adds a device whose token then works,
                // and adds no second one.
                let code = try await subject.store.createEnrollmentCode(
                    centre: PressStoreTests.centre, expiresMillis: 1_793_592_100_000 + 3_600_000, nowMillis: 0)
                let newcomer = DeviceID(rawValue: "wangdue-entrance-2")!
                let enroll = try await client.execute(
                    uri: "/api/v1/enroll", method: .post, headers: [.contentType: "application/json"],
                    body: ByteBuffer(bytes: try JSONEncoder().encode(EnrollmentRequest(code: code, device: newcomer))))
                #expect(enroll.status == .ok)
                let grant = try JSONDecoder().decode(EnrollmentGrant.self, from: Data(enroll.body.readableBytesView))
                #expect(grant.device == newcomer && grant.centre == PressStoreTests.centre)
                let newcomerStatus = try await client.execute(
                    uri: "/api/v1/devices/\(newcomer)", method: .get, headers: [.authorization: "Bearer \(grant.token)"]
                )
                #expect(newcomerStatus.status == .ok)
                let other = DeviceID(rawValue: "wangdue-entrance-3")!
                let spent = try await client.execute(
                    uri: "/api/v1/enroll", method: .post, headers: [.contentType: "application/json"],
                    body: ByteBuffer(bytes: try JSONEncoder().encode(EnrollmentRequest(code: code, device: other))))
                #expect(spent.status == .conflict)
                #expect(String(buffer: spent.body).contains("already used by device 'wangdue-entrance-2'"))
            }
            #expect(try await subject.store.pressCount(device: PressStoreTests.device) == 2)
        }
    }
}

/// What `smiley-hub migrate` prints and decides from both sides' figures (plain data).
@Suite struct StoreFiguresComparisonTests {
    static func figures(presses: Int64, rollupCount: Int64) -> StoreFigures {
        var figures = StoreFigures()
        figures.presses = ["paro-exit-1": presses]
        figures.uncertain = ["paro-exit-1": 1]
        figures.rollup = ["paro-dcrc paro-exit-1 satisfaction happy 2026-11-02T10 \(rollupCount) \(3 * rollupCount)"]
        figures.centreHours = ["paro-dcrc satisfaction 20394 10 happy 3 \(rollupCount)"]
        figures.centreDays = ["paro-dcrc satisfaction 20394 happy 3 \(rollupCount) 0"]
        return figures
    }

    @Test func equalSidesAgree() {
        let result = StoreFiguresComparisonTests.figures(presses: 5, rollupCount: 4)
        let comparison = StoreFigures.comparison(sqlite: result, postgres: result)
        #expect(!comparison.differ)
        #expect(comparison.lines.contains("presses of paro-exit-1: sqlite 5, postgresql 5"))
        #expect(comparison.lines.contains("presses in hourly_rollup: sqlite 4, postgresql 4"))
        #expect(!comparison.lines.joined().contains("DIFFERENT"))
    }

    @Test func aDoubledRollupRowIsADifferenceEvenWithEqualPressCounts() {
        let comparison = StoreFigures.comparison(
            sqlite: Self.figures(presses: 5, rollupCount: 4), postgres: Self.figures(presses: 5, rollupCount: 8))
        #expect(comparison.differ)
        #expect(comparison.lines.contains("presses in hourly_rollup: sqlite 4, postgresql 8  DIFFERENT"))
        #expect(
            comparison.lines.contains { $0.hasPrefix("  hourly_rollup only in postgresql: ") && $0.hasSuffix(" 8 24") })
        #expect(comparison.lines.contains { $0.hasPrefix("  centre_hour differs: ") })
        #expect(comparison.lines.contains("centre_day rows: sqlite 1, postgresql 1  DIFFERENT"))
        #expect(comparison.lines.contains { $0.hasPrefix("  centre_day differs: ") })
    }

    @Test func aMissingDeviceIsADifference() {
        var postgres = Self.figures(presses: 5, rollupCount: 4)
        postgres.presses = [:]
        let comparison = StoreFigures.comparison(sqlite: Self.figures(presses: 5, rollupCount: 4), postgres: postgres)
        #expect(comparison.differ)
        #expect(comparison.lines.contains("presses of paro-exit-1: sqlite 5, postgresql 0  DIFFERENT"))
    }
}
