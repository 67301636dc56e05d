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

    /// Short bounds for the silent-partition tests: a check every 200 ms answered within 500 ms, and the server
    /// ends a lease session silent for 3 s.
    static let shortLiveness = LeaseLiveness(
        checkInterval: .milliseconds(200), checkTimeout: .milliseconds(500), idleSessionTimeout: .seconds(3),
        keepaliveIdle: .seconds(1), keepaliveInterval: .seconds(1), keepaliveCount: 2)

    /// A lease whose connection goes through `proxy` (TCP on loopback to the server's socket).
    static func leaseThrough(_ proxy: SilentProxy, _ name: String, database: String) -> PeriodicWorkLease {
        var logger = Logger(label: "smiley.hub.lease.test")
        logger.logLevel = .critical
        return PeriodicWorkLease(
            name: name,
            configuration: PostgresConnection.Configuration(
                host: "127.0.0.1", port: proxy.port,
                username: PostgresTestServer.environment["SMILEY_TEST_POSTGRES_USER"] ?? "postgres", password: nil,
                database: database, tls: .disable),
            clock: .system, retryInterval: .milliseconds(5), liveness: shortLiveness, logger: logger)
    }

    /// Ticks `holder` until it runs the work (true), at most `attempts` times 100 ms apart: a generous wait
    /// for the server to end a silent session, not a measurement.
    static func tickUntilTaken(_ holder: PeriodicWorkLease.Holder, attempts: Int = 600, runs: Runs) async throws
        -> Bool
    {
        for _ in 0..<attempts {
            if try await holder.tick({
                await runs.begin("b")
                await runs.end()
            }) {
                return true
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    /// A silent network between the holder and the server (a proxy that stops forwarding, keeps its sockets
    /// open and sends nothing): the holder's check goes unanswered, its work is cancelled and `tick` throws
    /// `Lost` naming the unanswered check; the server still holds the silent session's lock until its
    /// `idle_session_timeout` ends it, and then a holder connected directly takes the lease.
    @Test(.timeLimit(.minutes(3))) func aHolderCutOffBySilenceLosesTheLeaseAndAnotherTakesOver() async throws {
        try await PostgresTestServer.withFreshDatabase { database in
            let socket = try #require(PostgresTestServer.socketDirectory) + "/.s.PGSQL.5432"
            let proxy = try await SilentProxy.start(to: socket)
            let runs = Runs()
            let a = PeriodicWorkLease.Holder(Self.leaseThrough(proxy, "silent-test", database: database))
            let b = PeriodicWorkLease.Holder(
                try Self.lease("silent-test", database: database, holder: "b", runs: runs))
            #expect(
                try await a.tick {
                    await runs.begin("a")
                    await runs.end()
                })
            #expect(try await b.tick { await runs.begin("b") } == false)

            let working = Task {
                try await a.tick {
                    await runs.begin("a")
                    while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(5)) }
                    await runs.end()
                }
            }
            try await Self.until { await runs.active == 1 }
            proxy.goSilent()
            let lost = await working.result
            #expect(
                throws: PeriodicWorkLease.Lost(
                    name: "silent-test", reason: LeaseCheck.unanswered(after: .milliseconds(500)).lostReason!)
            ) { try lost.get() }
            #expect(await runs.active == 0, "the work was cancelled")
            #expect(!a.isHeld)

            // b takes the lease once the server has ended the silent session (3 s without a word).
            #expect(try await Self.tickUntilTaken(b, runs: runs), "b never took the lease")
            #expect(await runs.hasStarted("b"))
            #expect(try await Self.advisoryLocks(database).count == 1, "b's session alone holds it")
            await b.release()
            await a.release()
            try await proxy.stop()
        }
    }

    /// The same silence under `run` (a command's one-off lease): the closure is cancelled and `run` throws
    /// `Lost` naming the unanswered check.
    @Test(.timeLimit(.minutes(3))) func aRunCutOffBySilenceIsCancelled() async throws {
        try await PostgresTestServer.withFreshDatabase { database in
            let socket = try #require(PostgresTestServer.socketDirectory) + "/.s.PGSQL.5432"
            let proxy = try await SilentProxy.start(to: socket)
            let runs = Runs()
            let lease = Self.leaseThrough(proxy, "silent-run", database: database)
            // The lease's session carries its idle bound. The server reaches the proxy's connection through its
            // Unix socket, where it ignores the TCP settings and shows 0 (they were accepted: the query succeeded).
            let connection = try #require(try await lease.acquire())
            let shown = try await Self.settings(connection)
            #expect(shown == ["3s", "0", "0", "0", "0"], "\(shown)")
            try await connection.close()
            let running = Task {
                try await lease.run {
                    await runs.begin("a")
                    while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(5)) }
                    await runs.end()
                }
            }
            try await Self.until { await runs.active == 1 }
            proxy.goSilent()
            let lost = await running.result
            #expect(
                throws: PeriodicWorkLease.Lost(
                    name: "silent-run", reason: LeaseCheck.unanswered(after: .milliseconds(500)).lostReason!)
            ) { try lost.get() }
            #expect(await runs.active == 0, "the closure was cancelled")
            try await proxy.stop()
        }
    }

    /// The lease session's bounds as its own session sees them (`SHOW`).
    static func settings(_ connection: PostgresConnection) async throws -> [String] {
        var values: [String] = []
        for name in [
            "idle_session_timeout", "tcp_keepalives_idle", "tcp_keepalives_interval", "tcp_keepalives_count",
            "tcp_user_timeout",
        ] {
            for try await value in try await connection.query(
                PostgresQuery(unsafeSQL: "SHOW \(name)"), logger: Logger(label: "test")
            )
            .decode(String.self) {
                values.append(value)
            }
        }
        return values
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
