import Foundation
import Logging
import PostgresNIO
import SmileyCore
import Testing

@testable import SmileyHub

/// `PeriodicWorkLease` on the real server: two holders of one job never run at once, a waiting holder
/// takes over when the holder's connection is ended, and jobs of other names do not wait on each other.
@Suite(.enabled(if: PostgresTestServer.isAvailable, "needs the server of scripts/with-postgres.sh"))
struct PeriodicWorkLeaseTests {
    /// Counts the runs under way and the most ever seen at once; signals waiters.
    actor Runs {
        var active = 0
        var mostAtOnce = 0
        var finished = 0
        var refusals: [String: Int] = [:]
        var started: Set<String> = []

        func begin(_ holder: String = "") {
            started.insert(holder)
            active += 1
            mostAtOnce = max(mostAtOnce, active)
        }
        func end() {
            active -= 1
            finished += 1
        }
        func refused(_ holder: String) {
            refusals[holder, default: 0] += 1
        }
        func refusalCount(_ holder: String) -> Int { refusals[holder] ?? 0 }
        func hasStarted(_ holder: String) -> Bool { started.contains(holder) }
    }

    static func configuration(_ database: String) throws -> PostgresConnection.Configuration {
        PostgresConnection.Configuration(
            unixSocketPath: try #require(PostgresTestServer.socketDirectory) + "/.s.PGSQL.5432",
            username: PostgresTestServer.environment["SMILEY_TEST_POSTGRES_USER"] ?? "postgres", password: nil,
            database: database)
    }

    /// A lease whose every refused attempt is counted under `holder` before a short wait.
    static func lease(_ name: String, database: String, holder: String, runs: Runs) throws -> PeriodicWorkLease {
        var logger = Logger(label: "smiley.hub.lease.test")
        logger.logLevel = .warning
        return PeriodicWorkLease(
            name: name, configuration: try configuration(database), clock: .system, retryInterval: .milliseconds(5),
            logger: logger
        ) { duration in
            await runs.refused(holder)
            try await Task.sleep(for: duration)
        }
    }

    /// Waits (yielding, never timing anything) until `condition` holds.
    static func until(_ condition: () async -> Bool) async throws {
        while !(await condition()) {
            try Task.checkCancellation()
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    @Test func twoHoldersOfOneJobNeverRunAtOnce() async throws {
        try await PostgresTestServer.withFreshDatabase { database in
            let runs = Runs()
            let rounds = 6
            try await withThrowingTaskGroup(of: Void.self) { group in
                for holder in ["hub-a", "hub-b"] {
                    let lease = try Self.lease("alert-evaluation", database: database, holder: holder, runs: runs)
                    group.addTask {
                        // hub-b starts once hub-a holds the lease, so that the two meet.
                        if holder == "hub-b" { try await Self.until { await runs.hasStarted("hub-a") } }
                        for round in 0..<rounds {
                            try await lease.run {
                                await runs.begin(holder)
                                // The first run of hub-a lasts until hub-b has been refused (the two met), or
                                // has begun a run of its own (which the lease must not allow: counted above).
                                if holder == "hub-a" && round == 0 {
                                    try await Self.until {
                                        let refused = await runs.refusalCount("hub-b") > 0
                                        let running = await runs.hasStarted("hub-b")
                                        return refused || running
                                    }
                                } else {
                                    try await Task.sleep(for: .milliseconds(3))
                                }
                                await runs.end()
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(await runs.finished == 2 * rounds)
            #expect(await runs.mostAtOnce == 1)
            #expect(await runs.refusalCount("hub-b") > 0)
            // Released: nothing holds the lock after the runs.
            let held = try await Self.advisoryLocks(database)
            #expect(held.isEmpty)
        }
    }

    @Test func whenTheHoldersConnectionIsEndedAnotherTakesOver() async throws {
        try await PostgresTestServer.withFreshDatabase { database in
            let runs = Runs()
            let first = try Self.lease("weekly-reports", database: database, holder: "hub-a", runs: runs)
            let second = try Self.lease("weekly-reports", database: database, holder: "hub-b", runs: runs)
            // Another job's lease is not held up by this one.
            let other = try Self.lease("alert-delivery", database: database, holder: "other", runs: runs)

            let holding = Task {
                try await first.run {
                    await runs.begin()
                    defer { Task { await runs.end() } }
                    // Works until it is cancelled.
                    while true { try await Task.sleep(for: .milliseconds(5)) }
                }
            }
            try await Self.until { await runs.active == 1 }
            let takingOver = Task {
                try await second.run {
                    await runs.begin("hub-b")
                    await runs.end()
                    return "hub-b ran"
                }
            }
            // hub-b is refused while hub-a holds the lease (and must not have run meanwhile).
            try await Self.until {
                let refused = await runs.refusalCount("hub-b") > 0
                let ran = await runs.hasStarted("hub-b")
                return refused || ran
            }
            #expect(await runs.hasStarted("hub-b") == false)
            #expect(try await other.run { "other ran" } == "other ran")
            #expect(await runs.refusalCount("other") == 0)

            // The holder's session is ended from outside, as an administrator (or a dead network) would.
            let ended = try await Self.terminateHolder(database, key: first.key)
            #expect(ended == 1)
            #expect(try await takingOver.value == "hub-b ran")
            let lost = await holding.result
            #expect(throws: PeriodicWorkLease.Lost(name: "weekly-reports")) { try lost.get() }
            try await Self.until { await runs.active == 0 }
            #expect(try await Self.advisoryLocks(database).isEmpty)
        }
    }

    /// Holders kept from tick to tick (what the hub's periodic services use): the first to tick keeps the
    /// lease across ticks while the other's ticks do nothing; its session ended mid-work cancels the work and
    /// throws `Lost`; the other takes it at its next tick; a release lets the first take it back.
    @Test func aHolderKeepsTheLeaseFromTickToTickUntilItsSessionEnds() async throws {
        try await PostgresTestServer.withFreshDatabase { database in
            let runs = Runs()
            let a = PeriodicWorkLease.Holder(
                try Self.lease("holder-test", database: database, holder: "a", runs: runs))
            let b = PeriodicWorkLease.Holder(
                try Self.lease("holder-test", database: database, holder: "b", runs: runs))
            for _ in 0..<3 {
                #expect(
                    try await a.tick {
                        await runs.begin("a")
                        await runs.end()
                    })
                #expect(
                    try await b.tick {
                        await runs.begin("b")
                        await runs.end()
                    } == false)
            }
            let (finished, bStarted) = (await runs.finished, await runs.hasStarted("b"))
            #expect(finished == 3 && !bStarted)
            #expect(a.isHeld && !b.isHeld)
            #expect(try await Self.advisoryLocks(database).count == 1, "one session holds it across ticks")

            // A tick whose work runs until cancelled; the holder's session is ended meanwhile.
            let working = Task {
                try await a.tick {
                    await runs.begin("a")
                    while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(5)) }
                    await runs.end()
                }
            }
            try await Self.until { await runs.active == 1 }
            #expect(try await Self.terminateHolder(database, key: a.lease.key) == 1)
            let lost = await working.result
            #expect(throws: PeriodicWorkLease.Lost(name: "holder-test")) { try lost.get() }
            #expect(await runs.active == 0, "the work was cancelled")
            #expect(
                try await b.tick {
                    await runs.begin("b")
                    await runs.end()
                })
            #expect(
                try await a.tick {
                    await runs.begin("a")
                    await runs.end()
                } == false)

            await b.release()
            #expect(
                try await a.tick {
                    await runs.begin("a")
                    await runs.end()
                })
            await a.release()
            #expect(try await Self.advisoryLocks(database).isEmpty)
        }
    }

    /// The advisory locks held in `database`.
    static func advisoryLocks(_ database: String) async throws -> [Int64] {
        try await PostgresTestServer.withClient(database: database) { client in
            var pids: [Int64] = []
            for try await pid in try await client.query(
                """
                SELECT pid::bigint FROM pg_locks WHERE locktype = 'advisory' AND granted
                    AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                """
            ).decode(Int64.self) {
                pids.append(pid)
            }
            return pids
        }
    }

    /// Ends the session holding the lock of `key` in `database` (its high and low 32 bits are pg_locks' classid
    /// and objid; other tests' databases hold locks of the same keys at the same time).
    static func terminateHolder(_ database: String, key: Int64) async throws -> Int {
        let high = Int64(UInt64(bitPattern: key) >> 32)
        let low = Int64(UInt64(bitPattern: key) & 0xFFFF_FFFF)
        return try await PostgresTestServer.withClient(database: database) { client in
            var ended = 0
            for try await done in try await client.query(
                """
                SELECT pg_terminate_backend(pid) FROM pg_locks
                WHERE locktype = 'advisory' AND granted AND classid::bigint = \(high) AND objid::bigint = \(low)
                    AND objsubid = 1
                    AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                """
            ).decode(Bool.self) where done {
                ended += 1
            }
            return ended
        }
    }
}
