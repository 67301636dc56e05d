import Foundation
import GRDB
import Synchronization
import Testing

@testable import SmileyHub

/// A flood of writes is split into bounded groups (`WriteGroup.Limits`): no transaction carries more than
/// the limits allow, and every write's result comes after the commit of its own group, on a real file with
/// durable commits.
@Suite struct WriteGroupLimitTests {
    /// Counts the commits of the writing connection (called after each COMMIT returned).
    final class CommitCounter: TransactionObserver, Sendable {
        private let count = Mutex(0)
        var commits: Int { count.withLock { $0 } }
        func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { eventKind.tableName == "flood" }
        func databaseDidChange(with event: DatabaseEvent) {}
        func databaseDidCommit(_ db: Database) { count.withLock { $0 += 1 } }
        func databaseDidRollback(_ db: Database) {}
    }

    struct Receipt: Sendable {
        /// The number the commit of the write's group has (commits before its transaction, plus one).
        var ownCommit: Int
        /// Commits counted when the write's result came back.
        var committedAtReceipt: Int
        var presses: Int
    }

    /// Holds the writer while `weights.count` writes queue up, then lets them go; returns their receipts.
    static func flood(_ weights: [Int], limits: WriteGroup.Limits) async throws -> (
        [Receipt], WriteGroup.Statistics, rows: Int
    ) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "smiley-write-group-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pool = try DatabasePool(path: directory + "/flood.sqlite")
        try HubDatabase.makeCommitsDurable(pool)
        try await pool.write { db in try db.execute(sql: "CREATE TABLE flood (n INTEGER PRIMARY KEY, presses INTEGER)")
        }
        let counter = CommitCounter()
        pool.add(transactionObserver: counter, extent: .databaseLifetime)
        let group = WriteGroup(writer: pool, limits: limits)

        let release = DispatchSemaphore(value: 0)
        pool.asyncWriteWithoutTransaction { _ in release.wait() }
        let receipts = try await withThrowingTaskGroup(of: Receipt.self) { tasks in
            for (index, presses) in weights.enumerated() {
                tasks.addTask {
                    let ownCommit = try await group.write(presses: presses) { db in
                        try db.execute(
                            sql: "INSERT INTO flood (n, presses) VALUES (?, ?)", arguments: [index, presses])
                        return counter.commits + 1
                    }
                    return Receipt(ownCommit: ownCommit, committedAtReceipt: counter.commits, presses: presses)
                }
            }
            // Bounded: each write reaches the queue within moments; no timing is asserted.
            for _ in 0..<10_000 where group.waitingCount < weights.count {
                try await Task.sleep(for: .milliseconds(1))
            }
            #expect(group.waitingCount == weights.count)
            release.signal()
            var receipts: [Receipt] = []
            for try await receipt in tasks { receipts.append(receipt) }
            return receipts
        }
        // A connection of its own sees every write: all were committed.
        let rows = try await DatabaseQueue(path: directory + "/flood.sqlite").read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM flood") ?? 0
        }
        return (receipts, group.statistics, rows)
    }

    @Test func aFloodOfRequestsIsSplitIntoGroupsOfAtMostTheLimit() async throws {
        let (receipts, statistics, rows) = try await Self.flood(
            Array(repeating: 1, count: 30), limits: WriteGroup.Limits(writes: 4, presses: 1_000))
        #expect(rows == 30)
        #expect(statistics.writes == 30)
        #expect(statistics.largestGroup == 4)
        #expect(statistics.groups == 8 && statistics.splits == 7)
        // Eight commits, none carrying more than four writes, and each result after its own commit.
        let byCommit = Dictionary(grouping: receipts, by: \.ownCommit)
        #expect(byCommit.count == 8)
        #expect(byCommit.values.allSatisfy { $0.count <= 4 })
        for receipt in receipts { #expect(receipt.committedAtReceipt >= receipt.ownCommit) }
    }

    @Test func aFloodOfPressesIsSplitByThePressLimit() async throws {
        // 3 + 3 + 3 fit ten presses, a fourth does not; the 25-press write is over the limit and goes alone.
        let weights = [3, 3, 3, 3, 25, 3, 6, 6, 0, 0]
        let (receipts, statistics, rows) = try await Self.flood(
            weights, limits: WriteGroup.Limits(writes: 64, presses: 10))
        #expect(rows == weights.count)
        #expect(statistics.largestGroupPresses == 25)
        let byCommit = Dictionary(grouping: receipts, by: \.ownCommit)
        for (_, writes) in byCommit {
            let presses = writes.reduce(0) { $0 + $1.presses }
            #expect(presses <= 10 || writes.count == 1, "a group of \(writes.map(\.presses))")
        }
        #expect(byCommit.count >= 5)
        for receipt in receipts { #expect(receipt.committedAtReceipt >= receipt.ownCommit) }
    }

    @Test func theGroupSizeTakesWritesInOrderUpToBothLimits() {
        let limits = WriteGroup.Limits(writes: 3, presses: 10)
        #expect(WriteGroup.groupSize(of: [], limits: limits) == 0)
        #expect(WriteGroup.groupSize(of: [1, 1, 1, 1, 1], limits: limits) == 3)
        #expect(WriteGroup.groupSize(of: [4, 6, 1], limits: limits) == 2)
        #expect(WriteGroup.groupSize(of: [4, 7, 1], limits: limits) == 1)
        #expect(WriteGroup.groupSize(of: [50, 1], limits: limits) == 1)
        #expect(WriteGroup.groupSize(of: [0, 0, 0, 0], limits: limits) == 3)
    }
}
