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

    public init(
        name: String, configuration: PostgresConnection.Configuration, clock: HubClock = .system,
        retryInterval: Duration = .seconds(5), logger: Logger = Logger(label: "smiley.hub.lease"),
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
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

    /// The holding connection closed while the work ran: PostgreSQL freed the lock, the work was cancelled.
    public struct Lost: Error, CustomStringConvertible, Equatable {
        public var name: String
        public var description: String {
            "the lease '\(name)' was lost: its PostgreSQL connection closed while the work ran (the work was "
                + "cancelled; another hub may run it now)"
        }
    }

    /// What became of a run once its closure had started.
    enum Ending<T: Sendable>: Sendable {
        case finished(Result<T, any Error>)
        case connectionClosed
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
            if granted { return connection }
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
                return .connectionClosed
            }
            let first = await group.next() ?? .connectionClosed
            if case .finished = first {
                // Released before the connection goes (closing alone would free it too).
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(key))", logger: logger)
            }
            group.cancelAll()
            // Closing ends the watcher; after a lost connection, the cancelled body ends in its own time.
            try? await connection.close()
            while await group.next() != nil {}
            return first
        }
        switch ending {
        case .finished(let result):
            logger.debug("lease released", metadata: ["lease": "\(name)"])
            return try result.get()
        case .connectionClosed:
            logger.warning("lease lost: its PostgreSQL connection closed", metadata: ["lease": "\(name)"])
            throw Lost(name: name)
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
            var lost = false
            var current: Task<Void, Never>?
        }

        public init(_ lease: PeriodicWorkLease) { self.lease = lease }

        /// Runs `work` under the lease, taking it first if this process does not hold it; false when
        /// another process holds it. Throws `Lost` when the holding connection closed while `work` ran, and
        /// the lease's storage errors when it cannot ask PostgreSQL.
        @discardableResult
        public func tick(_ work: @escaping @Sendable () async -> Void) async throws -> Bool {
            let held = state.withLock { $0.lost ? nil : $0.connection }
            if held == nil {
                let stale = state.withLock { state -> PostgresConnection? in
                    defer { state.connection = nil }
                    return state.connection
                }
                try? await stale?.close()
                guard let connection = try await lease.acquire() else { return false }
                state.withLock { state in
                    state.connection = connection
                    state.lost = false
                }
                connection.closeFuture.whenComplete { _ in
                    self.state.withLock { state in
                        guard state.connection === connection else { return }
                        state.lost = true
                        state.current?.cancel()
                    }
                }
                lease.logger.notice("lease taken: this hub runs '\(lease.name)'", metadata: ["lease": "\(lease.name)"])
            }
            let task = Task { await work() }
            let lostAlready = state.withLock { state -> Bool in
                state.current = task
                return state.lost
            }
            if lostAlready { task.cancel() }
            await task.value
            let lost = state.withLock { state -> Bool in
                state.current = nil
                return state.lost
            }
            if lost {
                lease.logger.warning(
                    "lease lost: its PostgreSQL connection closed", metadata: ["lease": "\(lease.name)"])
                throw Lost(name: lease.name)
            }
            return true
        }

        /// Whether this process holds the lease (as far as it knows: a connection that died unseen is found
        /// at the next tick).
        public var isHeld: Bool { state.withLock { !$0.lost && $0.connection != nil } }

        /// Gives the lease up: unlocks and closes the holding connection. Another process takes it at its next tick.
        public func release() async {
            let connection = state.withLock { state -> PostgresConnection? in
                defer { state.connection = nil }
                return state.connection
            }
            guard let connection else { return }
            if !connection.isClosed {
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(lease.key))", logger: lease.logger)
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
