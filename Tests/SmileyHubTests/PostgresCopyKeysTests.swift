import Foundation
import GRDB
import PostgresNIO
import SmileyCore
import Testing

@testable import SmileyHub

/// What `smiley-hub migrate` carries besides presses and people: the hub's keys (`hub_secret`) and the
/// heartbeats' summary columns.
extension PostgresCopyTests {
    @Test func theFormKeyIsCopiedOnceAndARerunChangesNothing() async throws {
        let (source, _, directory) = try await Self.sqliteHub()
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = try source.formSigningKey()
        try await StoreBackend.postgres.withStore { subject in
            let target = try #require(subject.store as? PostgresPressStore)
            let first = try await PostgresCopy.copy(from: source, to: target)
            #expect(first.secrets == 1 && first.secretsKept.isEmpty)
            // A sign-in form opened on the SQLite hub is accepted by the PostgreSQL hubs: the same key.
            #expect(try await target.formSigningKey() == key)
            let again = try await PostgresCopy.copy(from: source, to: target)
            #expect(again.secrets == 0 && again.secretsKept.isEmpty)
            #expect(try await target.formSigningKey() == key)
            #expect(!PostgresCopy.tablesNotCopied.contains("hub_secret"))
        }
    }

    @Test func aKeyPostgresAlreadyMadeIsKeptAndNamed() async throws {
        let (source, _, directory) = try await Self.sqliteHub()
        defer { try? FileManager.default.removeItem(at: directory) }
        try await StoreBackend.postgres.withStore { subject in
            let target = try #require(subject.store as? PostgresPressStore)
            // A PostgreSQL hub started before the copy made its own key; its forms carry it.
            let own = try await target.formSigningKey()
            #expect(try own != source.formSigningKey())
            let outcome = try await PostgresCopy.copy(from: source, to: target)
            #expect(outcome.secrets == 0 && outcome.secretsKept == ["form-signing"])
            #expect(try await target.formSigningKey() == own)
            #expect(try await target.formSigningKey() != source.formSigningKey())
        }
    }

    @Test func theCopiedHeartbeatsKeepTheirSummaries() async throws {
        let (source, _, directory) = try await Self.sqliteHub()
        defer { try? FileManager.default.removeItem(at: directory) }
        let now = PressStoreTests.mondayTen + 3_600_000
        try source.recordHeartbeat(
            Heartbeat(
                device: PressStoreTests.device, centre: PressStoreTests.centre, firmwareVersion: "1.2.3",
                uptimeSeconds: 600, backlog: 12, oldestUnsentMillis: now - 90_000, lastPressMillis: now - 60_000,
                clock: ClockSample(
                    boot: "copy-boot", monotonicNanos: 600_000_000_000, wallClockMillis: now, synchronised: true),
                stuckLines: [#"GPIO5 "left""#], lostGPIOEvents: 0, freeDiskBytes: 1 << 30, storageWarning: "nearly full"
            ),
            receivedMillis: now)
        let centre = try #require(try await source.centre(PressStoreTests.centre))
        let health = try source.deviceHealth(of: centre, nowMillis: now)
        #expect(health.first { $0.device == PressStoreTests.device }?.summary?.backlog == 12)
        try await StoreBackend.postgres.withStore { subject in
            let target = try #require(subject.store as? PostgresPressStore)
            let outcome = try await PostgresCopy.copy(from: source, to: target)
            #expect(outcome.heartbeats >= 1)
            #expect(try await target.deviceHealth(of: centre, nowMillis: now, calendar: nil) == health)
            #expect(try await HeartbeatSummaryBackendTests.unsummarised(subject.probe) == [])
        }
    }
}
