import Foundation
import GRDB
import SmileyCore
import Testing

@testable import SmileyHub

/// The heartbeat's summary columns (migration heartbeat-summary-h1) against the heartbeat's JSON: what
/// the alert evaluation and `/metrics` read without decoding agrees with what decoding the body says,
/// for heartbeats stored now and for those stored before the migration.
@Suite struct HeartbeatSummaryTests {
    static let centre = CentreID(rawValue: "paro-dcrc")!
    /// 2026-11-25 12:00 in Thimphu (a Wednesday, open Mon-Fri 09:00-17:00).
    static let now: Int64 = 1_795_586_400_000

    static func heartbeat(
        _ device: DeviceID, backlog: Int, stuck: [String], warning: String?, synchronised: Bool = true, at millis: Int64
    ) -> Heartbeat {
        Heartbeat(
            device: device, centre: centre, firmwareVersion: "1.2.3", uptimeSeconds: 600, backlog: backlog,
            oldestUnsentMillis: backlog > 0 ? millis - 90_000 : nil, lastPressMillis: millis - 60_000,
            clock: ClockSample(
                boot: "b1", monotonicNanos: 600_000_000_000, wallClockMillis: millis, synchronised: synchronised),
            stuckLines: stuck, lostGPIOEvents: 3, freeDiskBytes: 1 << 30, storageWarning: warning)
    }

    /// What decoding each device's stored JSON says, as the device page reads it.
    static func decoded(_ database: HubDatabase, _ devices: [DeviceID]) throws -> [DeviceID: HeartbeatSummary] {
        var summaries: [DeviceID: HeartbeatSummary] = [:]
        for device in devices {
            if let (heartbeat, received) = try database.lastHeartbeat(device) {
                summaries[device] = HeartbeatSummary(heartbeat, receivedMillis: received)
            }
        }
        return summaries
    }

    static func columns(_ database: HubDatabase) throws -> [String: Int64?] {
        try database.writer.read { db in
            var backlog: [String: Int64?] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT device_id, backlog FROM device_heartbeat") {
                backlog[row["device_id"]] = row["backlog"] as Int64?
            }
            return backlog
        }
    }

    @Test func theColumnsWrittenWithEachHeartbeatAgreeWithItsJSON() async throws {
        let database = try HubDatabase(writer: DatabaseQueue())
        try database.addCentre(Centre(id: Self.centre, name: "Paro", timeZone: "Asia/Thimphu"))
        try database.setOpeningHours(try OpeningHours.parse("Mon-Fri 09:00-17:00"), centre: Self.centre)
        let devices = (1...6).map { DeviceID(rawValue: "paro-\($0)")! }
        var tokens: [DeviceID: String] = [:]
        for device in devices {
            tokens[device] = try database.addDevice(device, centre: Self.centre, nowMillis: 0).value
        }
        // Through the storage call and through the devices' grouped path, twice for device 1 (replaced).
        try database.recordHeartbeat(
            Self.heartbeat(devices[0], backlog: 9, stuck: ["GPIO5"], warning: "full", at: Self.now - 600_000),
            receivedMillis: Self.now - 600_000)
        try database.recordHeartbeat(
            Self.heartbeat(devices[0], backlog: 0, stuck: [], warning: nil, at: Self.now - 60_000),
            receivedMillis: Self.now - 60_000)
        try database.recordHeartbeat(
            Self.heartbeat(
                devices[1], backlog: 120, stuck: [#"GPIO13 "left"/ü"#, "GPIO19"],
                warning: "store at 91% of its budget", at: Self.now - 30_000),
            receivedMillis: Self.now - 30_000)
        _ = try await database.recordHeartbeat(
            Self.heartbeat(devices[2], backlog: 4, stuck: ["GPIO6"], warning: nil, at: Self.now - 20_000),
            token: tokens[devices[2]], receivedMillis: Self.now - 20_000)
        // Offline: its last heartbeat 20 minutes ago.
        try database.recordHeartbeat(
            Self.heartbeat(devices[3], backlog: 1, stuck: [], warning: "w", at: Self.now - 1_200_000),
            receivedMillis: Self.now - 1_200_000)
        // Device 5 has never sent one; device 6 sent presses only.
        _ = try database.ingest(
            IngestBatch(
                device: devices[5], centre: Self.centre,
                presses: [
                    Press(
                        device: devices[5], boot: "b1", sequence: 1, answer: .happy, monotonicNanos: 1,
                        wallClockMillis: Self.now - 4 * 3_600_000, clockSynchronised: true)
                ]), receivedMillis: Self.now - 4 * 3_600_000)

        let rows = try database.deviceHealthRows(centre: Self.centre)
        #expect(rows.map(\.device) == devices)
        let expected = try Self.decoded(database, devices)
        #expect(expected.count == 4)
        for row in rows { #expect(row.summary == expected[row.device], "\(row.device)") }
        #expect(expected[devices[1]]?.stuckLines == [#"GPIO13 "left"/ü"#, "GPIO19"])
        #expect(try Self.columns(database).values.allSatisfy { $0 != nil })

        // The health from the summaries is the device page's, less the whole heartbeat.
        let reader = CentreReader(database: database, clock: .fixed(Self.now), settings: ReportSettings())
        let page = try await reader.deviceHealth(of: try await reader.centre("paro-dcrc"))
        let summarised = try database.deviceHealth(of: try await reader.centre("paro-dcrc"), nowMillis: Self.now)
        #expect(summarised.count == page.count)
        for (fromSummary, fromPage) in zip(summarised, page) {
            #expect(fromSummary.heartbeat == nil)
            #expect(fromSummary.summary == fromPage.summary)
            #expect(fromSummary.device == fromPage.device && fromSummary.firstSeenMillis == fromPage.firstSeenMillis)
            #expect(fromSummary.heartbeatReceivedMillis == fromPage.heartbeatReceivedMillis)
            #expect(fromSummary.lastPressMillis == fromPage.lastPressMillis)
            #expect(fromSummary.offline == fromPage.offline && fromSummary.silent == fromPage.silent)
            #expect(fromSummary.openHoursSinceLastPress == fromPage.openHoursSinceLastPress)
        }
        #expect(summarised.map(\.offline) == [false, false, false, true, true, true])
        #expect(summarised[5].lastPressMillis == Self.now - 4 * 3_600_000)
    }

    @Test func heartbeatsStoredBeforeTheMigrationAreSummarisedFromTheirJSON() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "smiley-heartbeat-summary-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/hub.sqlite"

        // The schema as it was before the migration, with heartbeats as an older hub stored them: JSON only.
        let migrator = HubDatabase.migrator
        let mine = try #require(migrator.migrations.firstIndex { $0.hasPrefix("heartbeat-summary-h1") })
        let queue = try DatabaseQueue(path: path)
        try migrator.migrate(queue, upTo: migrator.migrations[mine - 1])
        let devices = (1...7).map { DeviceID(rawValue: "old-\($0)")! }
        func json(_ heartbeat: Heartbeat) throws -> String {
            String(decoding: try JSONEncoder().encode(heartbeat), as: UTF8.self)
        }
        let bodies: [String] = [
            try json(
                Self.heartbeat(devices[0], backlog: 7, stuck: ["GPIO5", "GPIO6"], warning: "nearly full", at: Self.now)),
            try json(Self.heartbeat(devices[1], backlog: 0, stuck: [], warning: nil, at: Self.now)),
            try json(Self.heartbeat(devices[2], backlog: 2, stuck: [#"a "quoted"/line"#], warning: "", at: Self.now)),
            // Not JSON; JSON without the stuck lines; stuck lines that are not text: none of them decode.
            "{not json",
            #"{"device":"old-5","centre":"paro-dcrc","backlog":1}"#,
            try json(Self.heartbeat(devices[5], backlog: 3, stuck: ["X"], warning: nil, at: Self.now))
                .replacingOccurrences(of: #"["X"]"#, with: "[1]"),
        ]
        try queue.write { db in
            try db.execute(
                sql: "INSERT INTO centre (id, name, time_zone) VALUES (?, 'Paro', 'Asia/Thimphu')",
                arguments: [Self.centre.rawValue])
            for device in devices {
                try db.execute(
                    sql: "INSERT INTO device (id, centre_id, first_seen_millis, last_seen_millis) VALUES (?, ?, 0, 0)",
                    arguments: [device.rawValue, Self.centre.rawValue])
            }
            for (index, body) in bodies.enumerated() {
                try db.execute(
                    sql: "INSERT INTO device_heartbeat (device_id, received_millis, body) VALUES (?, ?, ?)",
                    arguments: [devices[index].rawValue, Self.now - Int64(index) * 1_000, body])
            }
        }
        try queue.close()

        // Opening the hub runs the migration: the readable bodies are summarised, the others left to decode.
        let database = try HubDatabase(path: path)
        let columns = try Self.columns(database)
        #expect(columns["old-1"] == .some(7) && columns["old-2"] == .some(0) && columns["old-3"] == .some(2))
        #expect(columns["old-4"] == .some(nil) && columns["old-5"] == .some(nil) && columns["old-6"] == .some(nil))
        let rows = try database.deviceHealthRows(centre: Self.centre)
        let expected = try Self.decoded(database, devices)
        #expect(Set(expected.keys) == Set(devices[0..<3]))
        #expect(rows.count == devices.count)
        for row in rows { #expect(row.summary == expected[row.device], "\(row.device)") }
        #expect(expected[devices[0]]?.stuckLines == ["GPIO5", "GPIO6"])
        #expect(expected[devices[2]]?.storageWarning == "")

        // A heartbeat arriving after the migration replaces an unsummarised row with a summarised one.
        try database.recordHeartbeat(
            Self.heartbeat(devices[3], backlog: 5, stuck: ["GPIO4"], warning: nil, at: Self.now + 60_000),
            receivedMillis: Self.now + 60_000)
        #expect(try Self.columns(database)["old-4"] == .some(5))
        let replaced = try #require(
            try database.deviceHealthRows(centre: Self.centre).first { $0.device == devices[3] })
        #expect(
            replaced.summary
                == HeartbeatSummary(
                    receivedMillis: Self.now + 60_000, backlog: 5, stuckLines: ["GPIO4"], storageWarning: nil))
    }

    /// The summarised row wins over its body: a row whose columns are cleared reads from the JSON again.
    @Test func aRowWithoutItsColumnsIsReadFromItsJSON() throws {
        let database = try HubDatabase(writer: DatabaseQueue())
        try database.addCentre(Centre(id: Self.centre, name: "Paro", timeZone: "Asia/Thimphu"))
        let device = DeviceID(rawValue: "paro-1")!
        _ = try database.addDevice(device, centre: Self.centre, nowMillis: 0)
        try database.recordHeartbeat(
            Self.heartbeat(device, backlog: 3, stuck: ["GPIO5"], warning: "w", at: Self.now), receivedMillis: Self.now)
        let summarised = try database.deviceHealthRows(centre: Self.centre)
        try database.writer.write { db in
            try db.execute(
                sql: "UPDATE device_heartbeat SET backlog = NULL, stuck_lines = NULL, storage_warning = NULL")
        }
        #expect(try database.deviceHealthRows(centre: Self.centre) == summarised)
        #expect(summarised.first?.summary?.stuckLines == ["GPIO5"])
    }
}
