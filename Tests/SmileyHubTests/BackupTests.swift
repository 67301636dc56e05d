import Foundation
import GRDB
import SmileyCore
import SmileyHub
import Testing

/// `smiley-hub backup`: a consistent copy of a hub that keeps taking presses, never a half file.
@Suite struct BackupTests {
    static func directory() throws -> String {
        let path = NSTemporaryDirectory() + "smiley-backup-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func openHub(_ path: String) throws -> (HubDatabase, String) {
        let database = try HubDatabase(path: path)
        try database.addCentre(Centre(id: IngestTests.centre, name: "Paro DCRC", timeZone: "Asia/Thimphu"))
        let token = try database.addDevice(IngestTests.device, centre: IngestTests.centre, nowMillis: 0).value
        return (database, token)
    }

    /// After the last press of the test (one a minute from 2026-11-02), so none is in the future.
    static let received: Int64 = 1_794_800_000_000

    static func batch(_ sequences: ClosedRange<Int64>) -> IngestBatch {
        var batch = IngestBatch(
            device: IngestTests.device, centre: IngestTests.centre,
            presses: sequences.map { IngestTests.press($0, $0 % 3 == 0 ? .unhappy : .happy) })
        batch.clock = ClockSample(boot: "boot-a", monotonicNanos: 1, wallClockMillis: 0, synchronised: false)
        return batch
    }

    /// Presses counted in the rollup against a recount from the presses themselves, in one file.
    static func rollupAndRecount(_ path: String) throws -> (rollup: Int, recount: Int, presses: Int) {
        let queue = try DatabaseQueue(path: path)
        return try queue.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(count), 0) FROM hourly_rollup") ?? -1,
                try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM press WHERE suppressed = 0 AND local_hour IS NOT NULL") ?? -1,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM press") ?? -1
            )
        }
    }

    @Test func aBackupTakenWhileBatchesArriveIsOneConsistentSnapshot() async throws {
        let folder = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (database, _) = try Self.openHub(folder + "/state/hub.sqlite")
        _ = try database.ingest(Self.batch(1...500), receivedMillis: Self.received)

        // Batches keep committing on another task while the copies are taken.
        let writer = Task.detached {
            for round in Int64(1)..<40 {
                let first = round * 500 + 1
                _ = try database.ingest(Self.batch(first...(first + 499)), receivedMillis: Self.received)
            }
        }
        var summaries: [BackupSummary] = []
        for index in 0..<4 {
            summaries.append(try database.backup(to: folder + "/copy-\(index).sqlite"))
        }
        try await writer.value
        let final = try database.pressCount()
        #expect(final == 20_000)

        for (index, summary) in summaries.enumerated() {
            let path = folder + "/copy-\(index).sqlite"
            let (rollup, recount, presses) = try Self.rollupAndRecount(path)
            #expect(presses == summary.presses)
            // Whole batches only: a copy never holds part of a transaction.
            #expect(presses % 500 == 0 && presses >= 500 && presses <= final, "\(presses)")
            #expect(rollup == recount, "copy \(index): rollup \(rollup), presses counted \(recount)")
            #expect(summary.centres == 1 && summary.devices == 1)
            #expect(summary.bytes > 0)
            #expect(try StorageSafetyTests.mode(path) == 0o600)
            // One self-contained file: nothing beside it, nothing left half-written.
            for leftover in [path + "-wal", path + "-shm", path + ".partial"] {
                #expect(!FileManager.default.fileExists(atPath: leftover), "\(leftover)")
            }
            // The copy opens as a hub and serves the same figures.
            let restored = try HubDatabase(path: path)
            #expect(try restored.pressCount() == presses)
        }
    }

    @Test func anExistingFileIsNeverOverwritten() throws {
        let folder = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (database, _) = try Self.openHub(folder + "/state/hub.sqlite")
        let destination = folder + "/precious.sqlite"
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: destination))
        #expect {
            try database.backup(to: destination)
        } throws: { error in
            "\(error)".contains("already exists")
        }
        #expect(try String(contentsOfFile: destination, encoding: .utf8) == "keep me")
    }

    @Test func aLeftoverPartialCopyIsNamedAndLeftAlone() throws {
        let folder = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (database, _) = try Self.openHub(folder + "/state/hub.sqlite")
        let destination = folder + "/hub-copy.sqlite"
        try Data("someone else's".utf8).write(to: URL(fileURLWithPath: destination + ".partial"))
        #expect {
            try database.backup(to: destination)
        } throws: { error in
            "\(error)".contains("hub-copy.sqlite.partial exists")
        }
        #expect(!FileManager.default.fileExists(atPath: destination))
        #expect(try String(contentsOfFile: destination + ".partial", encoding: .utf8) == "someone else's")
    }

    @Test func aDestinationInAMissingDirectoryFailsNamingIt() throws {
        let folder = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (database, _) = try Self.openHub(folder + "/state/hub.sqlite")
        #expect {
            try database.backup(to: folder + "/no-such-dir/copy.sqlite")
        } throws: { error in
            "\(error)".contains("no-such-dir/copy.sqlite.partial") && "\(error)".contains("No such file")
        }
    }
}
