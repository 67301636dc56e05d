import Crypto
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Synchronization

/// One process at a time for a periodic job of hubs sharing one PostgreSQL database (the alert evaluation,
/// the delivery of alerts, the weekly reports): `run` holds a PostgreSQL session advisory lock
/// (`pg_try_advisory_lock`) named after the job while its closure runs, on a connection of its own (never
/// one of the pool's, whose sessions other work reuses).
///
/// - While another process holds the lock, `run` waits `retryInterval` by the injected clock and tries
///   again, holding no connection meanwhile.
/// - When the closure returns or throws, the lock is released and the connection closed.
/// - When the holding connection dies (the process is killed, the network drops, or an administrator ends
///   the session with `pg_terminate_backend`), PostgreSQL frees the lock by itself and another process takes
///   over; a holder still running learns it: its closure is cancelled and `run` throws `Lost` naming the job.
/// - When the network goes silent instead (nothing closes), `liveness` bounds both sides: the holder checks
///   its connection every `checkInterval` and, without an answer within `checkTimeout`, closes it and counts
///   the lease lost; the server ends the silent session after `idleSessionTimeout`, freeing the lock.
///
/// The hub's periodic services keep the lease from tick to tick instead (`Holder`): on PostgreSQL, only the
/// process holding it does the tick's work; the others find it held and try again at their next tick.
public struct PeriodicWorkLease: Sendable {
    /// The job's name ("alert-evaluation"); the lock's key is derived from it (`key(for:)`).
    public let name: String
    public let key: Int64
    let configuration: PostgresConnection.Configuration
    let clock: HubClock
    let retryInterval: Duration
    /// How the lease waits between attempts (tests watch it: each call is one attempt refused).
    let sleep: @Sendable (Duration) async throws -> Void
    let logger: Logger
    /// The bounds of a lease cut off by a silent network (`LeaseLiveness`).
    public let liveness: LeaseLiveness
    /// How the holder waits between checks of its connection and for a check's answer.
    let checkWait: @Sendable (Duration) async throws -> Void

    public init(
        name: String, configuration: PostgresConnection.Configuration, clock: HubClock = .system,
        retryInterval: Duration = .seconds(5), liveness: LeaseLiveness = .standard,
        logger: Logger = Logger(label: "smiley.hub.lease"),
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        checkWait: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.liveness = liveness
        self.checkWait = checkWait
        self.name = name
        self.key = Self.key(for: name)
        self.configuration = configuration
        self.clock = clock
        self.retryInterval = retryInterval
        self.sleep = sleep
        self.logger = logger
    }

    /// The advisory lock's key of a job: the first 8 bytes of SHA-256("smiley periodic work: " + name), so
    /// that two jobs never share a lock, nor a job the migrations' (`PostgresSchema.migrationLockKey`).
    public static func key(for name: String) -> Int64 {
        let digest = Array(SHA256.hash(data: Array("smiley periodic work: \(name)".utf8)))
        return digest.prefix(8).reduce(Int64(0)) { ($0 << 8) | Int64($1) }
    }

    /// The holding connection closed, or stopped answering, while the work ran: the work was cancelled.
    public struct Lost: Error, CustomStringConvertible, Equatable {
        public var name: String
        /// What happened to the connection ("its PostgreSQL connection closed").
        public var reason: String

        public init(name: String, reason: String = Lost.closed) {
            self.name = name
            self.reason = reason
        }

        public static let closed = "its PostgreSQL connection closed"

        public var description: String {
            "the lease '\(name)' was lost: \(reason) while the work ran (the work was cancelled; another hub may "
                + "run it now)"
        }
    }

    /// What became of a run once its closure had started.
    enum Ending<T: Sendable>: Sendable {
        case finished(Result<T, any Error>)
        case lost(String)
    }

    /// Asks `connection` `SELECT 1`, waiting at most `liveness.checkTimeout`. A failed check is told to `lost`
    /// (its reason) before the connection is closed (which also ends a query waiting on a silent link).
    func check(_ connection: PostgresConnection, lost: @Sendable (String) -> Void = { _ in }) async -> LeaseCheck {
        let timeout = liveness.checkTimeout
        let result = await withTaskGroup(of: LeaseCheck?.self) { group in
            group.addTask {
                do {
                    for try await _ in try await connection.query("SELECT 1", logger: logger).decode(Int.self) {}
                    return .answered
                } catch {
                    return .failed("\(PostgresPressStore.hubError(error))")
                }
            }
            group.addTask {
                do { try await checkWait(timeout) } catch { return nil }
                return .unanswered(after: timeout)
            }
            let first = await group.next() ?? nil
            if let reason = first?.lostReason {
                lost(reason)
                try? await connection.close()
            }
            group.cancelAll()
            while await group.next() != nil {}
            return first
        }
        return result ?? .failed("the check was cancelled")
    }

    /// Checks `connection` every `liveness.checkInterval` until a check fails (its reason told to `lost` and
    /// returned, the connection closed) or the connection closes otherwise or the task is cancelled (nil).
    func watch(_ connection: PostgresConnection, lost: @Sendable (String) -> Void = { _ in }) async -> String? {
        while !connection.isClosed {
            do { try await checkWait(liveness.checkInterval) } catch { return nil }
            if connection.isClosed || Task.isCancelled { return nil }
            if let reason = await check(connection, lost: lost).lostReason { return reason }
        }
        return nil
    }

    /// Runs `body` while holding the lease, once: waits (retrying every `retryInterval`) while another
    /// process holds it. Cancelling the calling task stops the waiting.
    public func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let interval = retryInterval.components
        let intervalMillis = interval.seconds * 1000 + interval.attoseconds / 1_000_000_000_000_000
        var nextAttempt = clock.nowMillis()
        while true {
            try Task.checkCancellation()
            if let connection = try await acquire() {
                return try await hold(connection, body)
            }
            // Held elsewhere: the next attempt one interval after this one was due, by the injected clock.
            nextAttempt += max(intervalMillis, 1)
            let wait = max(nextAttempt - clock.nowMillis(), 0)
            if wait == 0 { nextAttempt = clock.nowMillis() }
            logger.debug("lease held by another process", metadata: ["lease": "\(name)", "retry-ms": "\(wait)"])
            try await sleep(.milliseconds(wait))
        }
    }

    /// Runs `body` holding the lease when no other process holds it now; returns nil, nothing run, when
    /// one does (a command run beside serving hubs: `smiley-hub report send --database`).
    public func runIfFree<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T? {
        guard let connection = try await acquire() else { return nil }
        return try await hold(connection, body)
    }

    /// A new connection holding the lock, or nil (connection closed) when another session holds it.
    func acquire() async throws -> PostgresConnection? {
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration, id: 0, logger: logger)
        } catch {
            throw HubError.storage(
                "cannot connect to PostgreSQL for the lease '\(name)': \(PostgresPressStore.hubError(error))")
        }
        do {
            var granted = false
            for try await value in try await connection.query(
                "SELECT pg_try_advisory_lock(\(key))", logger: logger
            ).decode(Bool.self) {
                granted = value
            }
            if granted {
                // The server's bounds for this session, should the network go silent (`LeaseLiveness`).
                for try await _ in try await connection.query(
                    PostgresQuery(unsafeSQL: liveness.sessionSettingsSQL), logger: logger)
                {}
                return connection
            }
            try? await connection.close()
            return nil
        } catch {
            try? await connection.close()
            throw HubError.storage(
                "cannot take the lease '\(name)' on PostgreSQL: \(PostgresPressStore.hubError(error))")
        }
    }

    /// Runs `body` on the held lock; a closed connection cancels it.
    func hold<T: Sendable>(_ connection: PostgresConnection, _ body: @escaping @Sendable () async throws -> T)
        async throws -> T
    {
        logger.debug("lease taken", metadata: ["lease": "\(name)"])
        let ending: Ending<T> = await withTaskGroup(of: Ending<T>.self) { group in
            group.addTask {
                do { return .finished(.success(try await body())) } catch { return .finished(.failure(error)) }
            }
            group.addTask {
                try? await connection.closeFuture.get()
                return .lost(Lost.closed)
            }
            group.addTask {
                // A silent network: the watch closes the connection and names why.
                guard let reason = await watch(connection) else {
                    try? await connection.closeFuture.get()
                    return .lost(Lost.closed)
                }
                return .lost(reason)
            }
            let first = await group.next() ?? .lost(Lost.closed)
            if case .finished = first {
                // Released before the connection goes (closing alone would free it too).
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(key))", logger: logger)
            }
            group.cancelAll()
            // Closing ends the watchers; after a lost connection, the cancelled body ends in its own time.
            try? await connection.close()
            var ending = first
            while let next = await group.next() {
                // The watch closes the connection a moment before it returns why: keep its reason.
                if case .lost(Lost.closed) = ending, case .lost(let reason) = next, reason != Lost.closed {
                    ending = .lost(reason)
                }
            }
            return ending
        }
        switch ending {
        case .finished(let result):
            logger.debug("lease released", metadata: ["lease": "\(name)"])
            return try result.get()
        case .lost(let reason):
            logger.warning("lease lost: \(reason)", metadata: ["lease": "\(name)"])
            throw Lost(name: name, reason: reason)
        }
    }
}

extension PeriodicWorkLease {
    /// A lease kept from tick to tick by a periodic service of a hub on PostgreSQL: at each tick, `tick` runs
    /// the work when this process holds the lease or can take it now, and does nothing (returns false) while
    /// another process holds it; that process keeps it until it stops or its connection dies, and the others
    /// try again at their next tick. A holding connection that closes mid-work cancels the work; the next
    /// tick tries to take the lease again.
    public final class Holder: Sendable {
        public let lease: PeriodicWorkLease
        let state = Mutex(State())

        struct State {
            var connection: PostgresConnection?
            /// Why the held lease was lost (the connection closed, or a check went unanswered), nil while held.
            var lostReason: String?
            var current: Task<Void, Never>?
            /// Checks the held connection every `liveness.checkInterval` (`PeriodicWorkLease.watch`).
            var watch: Task<Void, Never>?
        }

        public init(_ lease: PeriodicWorkLease) { self.lease = lease }

        /// Runs `work` under the lease, taking it first if this process does not hold it; false when
        /// another process holds it. A held lease is checked first (`SELECT 1` within `checkTimeout`), and
        /// again every `checkInterval` while `work` runs. Throws `Lost` when the holding connection closed or
        /// stopped answering (before or while `work` ran: the work is then cancelled), and the lease's storage
        /// errors when it cannot ask PostgreSQL.
        @discardableResult
        public func tick(_ work: @escaping @Sendable () async -> Void) async throws -> Bool {
            if let held = state.withLock({ $0.lostReason == nil ? $0.connection : nil }) {
                // Between ticks the link may have gone silent: a check before the work.
                if let reason = await lease.check(held, lost: { self.markLost(held, $0) }).lostReason {
                    throw lost(reason)
                }
            } else {
                let stale = state.withLock { state -> (PostgresConnection?, Task<Void, Never>?) in
                    defer {
                        state.connection = nil
                        state.watch = nil
                    }
                    return (state.connection, state.watch)
                }
                stale.1?.cancel()
                try? await stale.0?.close()
                guard let connection = try await lease.acquire() else { return false }
                state.withLock { state in
                    state.connection = connection
                    state.lostReason = nil
                }
                connection.closeFuture.whenComplete { _ in self.markLost(connection, Lost.closed) }
                let watch = Task { [lease] in
                    _ = await lease.watch(connection) { self.markLost(connection, $0) }
                }
                state.withLock { state in
                    if state.connection === connection { state.watch = watch } else { watch.cancel() }
                }
                lease.logger.notice("lease taken: this hub runs '\(lease.name)'", metadata: ["lease": "\(lease.name)"])
            }
            let task = Task { await work() }
            let lostAlready = state.withLock { state -> Bool in
                state.current = task
                return state.lostReason != nil
            }
            if lostAlready { task.cancel() }
            await task.value
            let reason = state.withLock { state -> String? in
                state.current = nil
                return state.lostReason
            }
            if let reason { throw lost(reason) }
            return true
        }

        /// Records why the lease held on `connection` was lost and cancels the work under way; the first
        /// reason stays (a check that closes the connection is not overwritten by the close it caused).
        func markLost(_ connection: PostgresConnection, _ reason: String) {
            state.withLock { state in
                guard state.connection === connection else { return }
                if state.lostReason == nil || state.lostReason == Lost.closed && reason != Lost.closed {
                    state.lostReason = reason
                }
                state.current?.cancel()
            }
        }

        func lost(_ reason: String) -> Lost {
            lease.logger.warning("lease lost: \(reason)", metadata: ["lease": "\(lease.name)"])
            return Lost(name: lease.name, reason: reason)
        }

        /// Whether this process holds the lease (as far as it knows: a connection that went silent is found
        /// by the next check).
        public var isHeld: Bool { state.withLock { $0.lostReason == nil && $0.connection != nil } }

        /// Gives the lease up: unlocks and closes the holding connection. Another process takes it at its next tick.
        public func release() async {
            let (connection, watch) = state.withLock { state -> (PostgresConnection?, Task<Void, Never>?) in
                defer {
                    state.connection = nil
                    state.watch = nil
                }
                return (state.connection, state.watch)
            }
            watch?.cancel()
            guard let connection else { return }
            if !connection.isClosed {
                // Bounded like a check: on a silent link the unlock would wait forever.
                let unlocked = await withTaskGroup(of: Bool.self) { group in
                    group.addTask {
                        (try? await connection.query(
                            "SELECT pg_advisory_unlock(\(self.lease.key))", logger: self.lease.logger))
                            != nil
                    }
                    group.addTask {
                        try? await self.lease.checkWait(self.lease.liveness.checkTimeout)
                        return false
                    }
                    let first = await group.next() ?? false
                    try? await connection.close()
                    group.cancelAll()
                    while await group.next() != nil {}
                    return first
                }
                if !unlocked { lease.logger.warning("lease '\(lease.name)' closed without unlocking (no answer)") }
            }
            try? await connection.close()
            lease.logger.notice("lease released", metadata: ["lease": "\(lease.name)"])
        }
    }
}

extension PostgresLocation {
    /// The configuration of one connection of its own (a lease's): TLS as the pool's.
    public func connectionConfiguration(password: String?) throws -> PostgresConnection.Configuration {
        switch endpoint {
        case .tcp(let host, let port):
            return PostgresConnection.Configuration(
                host: host, port: port, username: user, password: password, database: database,
                tls: .prefer(try NIOSSLContext(configuration: .makeClientConfiguration())))
        case .socketDirectory(let directory, let port):
            return PostgresConnection.Configuration(
                unixSocketPath: directory + "/.s.PGSQL.\(port)", username: user, password: password,
                database: database)
        }
    }
}
