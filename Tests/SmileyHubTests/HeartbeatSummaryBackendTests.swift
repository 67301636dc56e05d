import Foundation
import GRDB
import Logging
import PostgresNIO
import SmileyCore
import Testing

@testable import SmileyHub

/// The heartbeat's summary columns on both backends (SQLite's heartbeat-summary-h1, PostgreSQL's
/// pg-heartbeat-1): the same heartbeats and presses give the same device health on either, equal to what
/// decoding each heartbeat's JSON says, and heartbeats stored before the PostgreSQL step are summarised.
@Suite struct HeartbeatSummaryBackendTests {
    static let centre = HeartbeatSummaryTests.centre
    static let now = HeartbeatSummaryTests.now
    static let devices = (1...6).map { DeviceID(rawValue: "paro-\($0)")! }

    /// One story told to any store: heartbeats (one replaced, one with quoted stuck lines, one old), presses
    /// of two devices, a device that never spoke.
    static func tell(_ store: any PressStore) async throws {
        try await store.addCentre(Centre(id: centre, name: "Paro", timeZone: "Asia/Thimphu"))
        try await store.setOpeningHours(try OpeningHours.parse("Mon-Fri 09:00-17:00"), centre: centre)
        var tokens: [DeviceID: String] = [:]
        for (index, device) in devices.enumerated() {
            tokens[device] = try await store.addDevice(
                device, centre: centre, publicKey: nil, nowMillis: Int64(index) * 1_000
            ).value
        }
        func beat(_ index: Int, backlog: Int, stuck: [String], warning: String?, ago: Int64) async throws {
            try await store.recordHeartbeat(
                HeartbeatSummaryTests.heartbeat(
                    devices[index], backlog: backlog, stuck: stuck, warning: warning, at: now - ago),
                token: tokens[devices[index]], receivedMillis: now - ago)
        }
        try await beat(0, backlog: 9, stuck: ["GPIO5"], warning: "full", ago: 600_000)
        try await beat(0, backlog: 0, stuck: [], warning: nil, ago: 60_000)
        try await beat(1, backlog: 120, stuck: [#"GPIO13 "left"/ü"#, "GPIO19"], warning: "store at 91%", ago: 30_000)
        try await beat(2, backlog: 4, stuck: ["GPIO6"], warning: "store at 80%", ago: 20_000)
        // Offline: its last heartbeat 20 minutes ago.
        try await beat(3, backlog: 1, stuck: [], warning: "w", ago: 1_200_000)
        // Device 5 has never sent anything; device 6 and device 1 sent presses (device 6 nothing else).
        for (index, hoursAgo) in [(5, Int64(4)), (0, 2)] {
            _ = try await store.ingest(
                IngestBatch(
                    device: devices[index], centre: centre,
                    presses: (1...3).map { sequence in
                        Press(
                            device: devices[index], boot: "b1", sequence: sequence, answer: .happy,
                            monotonicNanos: sequence,
                            wallClockMillis: now - hoursAgo * 3_600_000 + sequence * 1_000, clockSynchronised: true)
                    }), token: tokens[devices[index]], receivedMillis: now - hoursAgo * 3_600_000 + 5_000)
        }
    }

    static func health(_ store: any PressStore) async throws -> [DeviceHealth] {
        let centre = try #require(try await store.centre(Self.centre))
        return try await store.deviceHealth(of: centre, nowMillis: now, calendar: nil)
    }

    @Test(arguments: StoreBackend.available)
    func eachDevicesHealthIsWhatItsHeartbeatSays(_ backend: StoreBackend) async throws {
        try await backend.withStore { under in
            try await Self.tell(under.store)
            let summarised = try await Self.health(under.store)
            #expect(summarised.map(\.device) == Self.devices)
            #expect(summarised.allSatisfy { $0.heartbeat == nil })
            // The device page's read: every heartbeat's JSON decoded, device by device.
            let reader = CentreReader(store: under.store, clock: .fixed(Self.now), settings: ReportSettings())
            let page = try await reader.deviceHealth(of: try #require(try await under.store.centre(Self.centre)))
            #expect(summarised.count == page.count)
            for (fromSummary, fromPage) in zip(summarised, page) {
                #expect(fromSummary.summary == fromPage.summary, "\(fromSummary.device)")
                #expect(fromSummary.firstSeenMillis == fromPage.firstSeenMillis)
                #expect(fromSummary.heartbeatReceivedMillis == fromPage.heartbeatReceivedMillis)
                #expect(fromSummary.lastPressMillis == fromPage.lastPressMillis)
                #expect(fromSummary.offline == fromPage.offline && fromSummary.silent == fromPage.silent)
                #expect(fromSummary.openHoursSinceLastPress == fromPage.openHoursSinceLastPress)
            }
            #expect(
                summarised[1].summary
                    == HeartbeatSummary(
                        receivedMillis: Self.now - 30_000, backlog: 120, stuckLines: [#"GPIO13 "left"/ü"#, "GPIO19"],
                        storageWarning: "store at 91%"))
            #expect(summarised[0].summary?.backlog == 0 && summarised[0].summary?.storageWarning == nil)
            #expect(summarised[2].summary?.storageWarning == "store at 80%")
            #expect(summarised.map { $0.summary == nil } == [false, false, false, false, true, true])
            #expect(summarised.map(\.offline) == [false, false, false, true, true, true])
            #expect(summarised[0].lastPressMillis == Self.now - 2 * 3_600_000 + 3_000)
            #expect(summarised[5].lastPressMillis == Self.now - 4 * 3_600_000 + 3_000)
            // Every stored heartbeat was written with its summary columns.
            #expect(try await Self.unsummarised(under.probe) == [])
        }
    }

    @Test(.enabled(if: PostgresTestServer.isAvailable, "needs scripts/with-postgres.sh"))
    func bothBackendsGiveTheSameHealth() async throws {
        let sqlite = try await StoreBackend.sqlite.withStore { under in
            try await Self.tell(under.store)
            return try await Self.health(under.store)
        }
        let postgres = try await StoreBackend.postgres.withStore { under in
            try await Self.tell(under.store)
            return try await Self.health(under.store)
        }
        #expect(sqlite.count == Self.devices.count)
        #expect(sqlite == postgres)
    }

    /// The devices whose stored heartbeat has no summary (NULL backlog).
    static func unsummarised(_ probe: StoreProbe) async throws -> [String] {
        let sql = "SELECT device_id FROM device_heartbeat WHERE backlog IS NULL ORDER BY device_id"
        switch probe {
        case .sqlite(let database):
            return try await database.writer.read { db in try String.fetchAll(db, sql: sql) }
        case .postgres(let client):
            var devices: [String] = []
            for try await device in try await client.query(PostgresQuery(unsafeSQL: sql)).decode(String.self) {
                devices.append(device)
            }
            return devices
        }
    }

    /// A database an older hub migrated (every step before pg-heartbeat-1) and stored heartbeats in, as
    /// JSON only: the step summarises each body that decodes, leaves the others to be read as
    /// `lastHeartbeat` reads them (no summary), and a later heartbeat replaces a row with a summarised one.
    @Test(.enabled(if: PostgresTestServer.isAvailable, "needs scripts/with-postgres.sh"))
    func heartbeatsStoredBeforeThePostgresStepAreSummarised() async throws {
        try await PostgresTestServer.withFreshDatabase { name in
            try await PostgresTestServer.withClient(database: name) { client in
                let store = PostgresPressStore.quiet(client)
                let step = try #require(
                    PostgresSchema.migrations.firstIndex {
                        $0.name == PostgresPressStore.heartbeatSummaryMigration.name
                    })
                try await PostgresSchema.migrate(
                    client, logger: store.logger, steps: Array(PostgresSchema.migrations[..<step]))
                let devices = (1...6).map { DeviceID(rawValue: "old-\($0)")! }
                func json(_ heartbeat: Heartbeat) throws -> String {
                    String(decoding: try JSONEncoder().encode(heartbeat), as: UTF8.self)
                }
                let bodies: [String] = [
                    try json(
                        HeartbeatSummaryTests.heartbeat(
                            devices[0], backlog: 7, stuck: ["GPIO5", "GPIO6"], warning: "nearly full", at: Self.now)),
                    try json(
                        HeartbeatSummaryTests.heartbeat(devices[1], backlog: 0, stuck: [], warning: nil, at: Self.now)),
                    try json(
                        HeartbeatSummaryTests.heartbeat(
                            devices[2], backlog: 2, stuck: [#"a "quoted"/line"#], warning: "", at: Self.now)),
                    // Not JSON; JSON without the stuck lines; stuck lines that are not text: none decode.
                    "{not json",
                    #"{"device":"old-5","centre":"paro-dcrc","backlog":1}"#,
                    try json(
                        HeartbeatSummaryTests.heartbeat(
                            devices[5], backlog: 3, stuck: ["X"], warning: nil, at: Self.now)
                    )
                    .replacingOccurrences(of: #"["X"]"#, with: "[1]"),
                ]
                try await client.query(
                    "INSERT INTO centre (id, name, time_zone) VALUES (\(Self.centre.rawValue), 'Paro', 'Asia/Thimphu')")
                for (index, body) in bodies.enumerated() {
                    try await client.query(
                        """
                        INSERT INTO device (id, centre_id, first_seen_millis, last_seen_millis)
                        VALUES (\(devices[index].rawValue), \(Self.centre.rawValue), 0, 0)
                        """)
                    try await client.query(
                        """
                        INSERT INTO device_heartbeat (device_id, received_millis, body)
                        VALUES (\(devices[index].rawValue), \(Self.now - Int64(index) * 1_000), \(body))
                        """)
                }

                try await store.migrate()
                #expect(try await Self.unsummarised(.postgres(client)) == ["old-4", "old-5", "old-6"])
                var backlogs: [String: Int64] = [:]
                for try await (device, backlog) in try await client.query(
                    "SELECT device_id, backlog FROM device_heartbeat WHERE backlog IS NOT NULL"
                ).decode((String, Int64).self) {
                    backlogs[device] = backlog
                }
                #expect(backlogs == ["old-1": 7, "old-2": 0, "old-3": 2])
                let centre = Centre(id: Self.centre, name: "Paro", timeZone: "Asia/Thimphu")
                let health = try await store.deviceHealth(of: centre, nowMillis: Self.now, calendar: nil)
                #expect(health.map(\.device) == devices)
                for (index, device) in health.enumerated() {
                    let decoded = try? JSONDecoder().decode(Heartbeat.self, from: Data(bodies[index].utf8))
                    #expect(
                        device.summary
                            == decoded.map { HeartbeatSummary($0, receivedMillis: Self.now - Int64(index) * 1_000) },
                        "\(device.device)")
                }
                #expect(health[0].summary?.stuckLines == ["GPIO5", "GPIO6"])
                #expect(
                    health[2].summary?.stuckLines == [#"a "quoted"/line"#] && health[2].summary?.storageWarning == "")

                // A heartbeat arriving after the step replaces an unsummarised row with a summarised one.
                try await store.recordHeartbeat(
                    HeartbeatSummaryTests.heartbeat(
                        devices[3], backlog: 5, stuck: ["GPIO4"], warning: nil, at: Self.now + 60_000),
                    receivedMillis: Self.now + 60_000)
                #expect(try await Self.unsummarised(.postgres(client)) == ["old-5", "old-6"])
                let replaced = try await store.deviceHealth(of: centre, nowMillis: Self.now, calendar: nil)[3]
                #expect(
                    replaced.summary
                        == HeartbeatSummary(
                            receivedMillis: Self.now + 60_000, backlog: 5, stuckLines: ["GPIO4"], storageWarning: nil))
            }
        }
    }
}
