import Foundation
import GRDB
import PostgresNIO
import SmileyCore
import Testing

@testable import SmileyHub

/// `smiley-hub migrate`: an SQLite hub copied into a real PostgreSQL database, then compared.
@Suite(.enabled(if: PostgresTestServer.isAvailable, "needs the server of scripts/with-postgres.sh"))
struct PostgresCopyTests {
    static let second = DeviceID(rawValue: "wangdue-exit-2")!

    /// An SQLite hub with a history (retries, late clocks, suppressed presses), opening hours, holidays,
    /// a heartbeat and a revoked second device.
    static func sqliteHub() async throws -> (HubDatabase, token: String, cleanup: URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "smiley-copy-\(UUID().uuidString)")
        let database = try HubDatabase(path: directory.appendingPathComponent("hub.sqlite").path)
        let token = try #require(
            try await PressStoreTests.prepare(database, devices: [PressStoreTests.device, second]).first)
        try database.setOpeningHours(try OpeningHours.parse("Mon-Fri 09:00-17:00"), centre: PressStoreTests.centre)
        try database.updateHolidays(
            centre: PressStoreTests.centre, adding: [try LocalDate.parse("2026-12-17")], removing: [])
        _ = try await StoreHistory(seed: 11).replay(into: database)
        _ = try database.ingest(
            IngestBatch(
                device: second, centre: PressStoreTests.centre,
                presses: [PressStoreTests.press(1, device: second), PressStoreTests.press(2, .unhappy, device: second)]),
            receivedMillis: PressStoreTests.mondayTen)
        try database.revokeDevice(second, nowMillis: PressStoreTests.mondayTen)
        return (database, token, directory)
    }

    @Test func everythingIsCopiedOnceAndARerunDoublesNothing() async throws {
        let (source, token, directory) = try await Self.sqliteHub()
        defer { try? FileManager.default.removeItem(at: directory) }
        try await StoreBackend.postgres.withStore { subject in
            let target = try #require(subject.store as? PostgresPressStore)
            let held = try source.pressCount()
            let first = try await PostgresCopy.copy(from: source, to: target)
            #expect(first.centres == 1 && first.devices == 2 && first.holidays == 1)
            #expect(first.presses == held && first.pressesAlreadyHeld == 0)
            let sqlite = try StoreFigures.read(source)
            #expect(!sqlite.rollup.isEmpty && !sqlite.centreHours.isEmpty && sqlite.rolledUp > 0)
            #expect(try await StoreFigures.read(target) == sqlite)
            #expect(
                StoreFigures.comparison(sqlite: sqlite, postgres: try await StoreFigures.read(target)).differ == false)

            let again = try await PostgresCopy.copy(from: source, to: target)
            #expect(again.presses == 0 && again.pressesAlreadyHeld == held && again.centres == 0 && again.devices == 0)
            #expect(try await StoreFigures.read(target) == sqlite)
            #expect(try await subject.probe.rollup() == subject.probe.recount())
            #expect(try await subject.probe.centreHour() == subject.probe.centreHourFromRollup())

            // What the devices and the heatmaps read is the same on both sides.
            let now = PressStoreTests.mondayTen
            #expect(
                try await target.deviceStatus(PressStoreTests.device, nowMillis: now, sequence: 3)
                    == source.deviceStatus(PressStoreTests.device, nowMillis: now, sequence: 3))
            #expect(
                try await target.openingCalendar(centre: PressStoreTests.centre)
                    == source.openingCalendar(centre: PressStoreTests.centre))
            #expect(try await PressStoreTests.counts(target) == PressStoreTests.counts(source))
            #expect(
                try await target.authenticate(token: token, nowMillis: now)
                    == .device(PressStoreTests.device, centre: PressStoreTests.centre))
            #expect(try await subject.probe.tokenRevoked(Self.second) == true)
            #expect(try await subject.probe.tokenHash(Self.second) == Self.sqliteTokenHash(source, Self.second))
        }
    }

    static func sqliteTokenHash(_ database: HubDatabase, _ device: DeviceID) throws -> String? {
        try database.writer.read { db in
            try String.fetchOne(
                db, sql: "SELECT token_sha256 FROM device_token WHERE device_id = ?", arguments: [device.rawValue])
        }
    }

    @Test func aTargetHoldingOtherDataIsRefusedAndLeftUnchanged() async throws {
        let (source, _, directory) = try await Self.sqliteHub()
        defer { try? FileManager.default.removeItem(at: directory) }
        // The same centre in another zone.
        try await StoreBackend.postgres.withStore { subject in
            let target = try #require(subject.store as? PostgresPressStore)
            try await target.addCentre(
                Centre(id: PressStoreTests.centre, name: "Wangdue DCRC", timeZone: "Asia/Kolkata"))
            await #expect {
                _ = try await PostgresCopy.copy(from: source, to: target)
            } throws: { error in "\(error)".contains("centre 'wangdue-dcrc' differs") }
            #expect(try await target.pressCount(device: nil) == 0)
            #expect(try await target.deviceStatus(PressStoreTests.device, nowMillis: 0, sequence: nil) == nil)
        }
        // The same device and sequence with another press: nothing of the copy stays.
        try await StoreBackend.postgres.withStore { subject in
            let target = try #require(subject.store as? PostgresPressStore)
            try await target.addCentre(
                Centre(id: PressStoreTests.centre, name: "Wangdue DCRC", timeZone: "Asia/Thimphu"))
            try await target.setOpeningHours(
                try OpeningHours.parse("Mon-Fri 09:00-17:00"), centre: PressStoreTests.centre)
            _ = try await target.addDevice(Self.second, centre: PressStoreTests.centre, publicKey: nil, nowMillis: 0)
            // The same token as on SQLite, so that only the press differs.
            guard case .postgres(let client) = subject.probe else { throw HubError.storage("not PostgreSQL") }
            let hash = try #require(try Self.sqliteTokenHash(source, Self.second))
            try await client.query(
                "UPDATE device_token SET token_sha256 = \(hash) WHERE device_id = \(Self.second.rawValue)")
            _ = try await target.ingest(
                IngestBatch(
                    device: Self.second, centre: PressStoreTests.centre,
                    presses: [PressStoreTests.press(2, .veryHappy, device: Self.second)]),
                receivedMillis: PressStoreTests.mondayTen)
            let before = try await StoreFigures.read(target)
            await #expect {
                _ = try await PostgresCopy.copy(from: source, to: target)
            } throws: { error in
                let text = "\(error)"
                return text.contains("press 2 of device 'wangdue-exit-2' differs")
            }
            #expect(try await StoreFigures.read(target) == before)
            #expect(try await target.deviceStatus(PressStoreTests.device, nowMillis: 0, sequence: nil) == nil)
        }
    }
}

extension StoreProbe {
    func tokenHash(_ device: DeviceID) async throws -> String? {
        guard case .postgres(let client) = self else { return nil }
        var hash: String?
        for try await value in try await client.query(
            "SELECT token_sha256 FROM device_token WHERE device_id = \(device.rawValue)"
        ).decode(String.self) {
            hash = value
        }
        return hash
    }

    func tokenRevoked(_ device: DeviceID) async throws -> Bool? {
        guard case .postgres(let client) = self else { return nil }
        var revoked: Bool?
        for try await value in try await client.query(
            "SELECT revoked_millis IS NOT NULL FROM device_token WHERE device_id = \(device.rawValue)"
        ).decode(Bool.self) {
            revoked = value
        }
        return revoked
    }
}
