import GRDB
import Synchronization

/// Group commit for the devices' writes: the writes that arrive while the writer is busy wait together
/// and are carried out in one transaction, each in a savepoint of its own, so one durable commit (one
/// sync of the WAL) serves them all. A write that fails rolls back to its savepoint: it changes nothing
/// and the others go on. Every caller hears its result only after the shared COMMIT returned, and with
/// `synchronous = FULL` that commit is on disk: nothing is acknowledged before it is durable.
///
/// Nothing waits on purpose: a write that finds the writer idle is carried out at once, alone; groups form
/// only from the writes that arrive during another group's transaction and sync.
final class WriteGroup: Sendable {
    private let writer: any DatabaseWriter
    private let state = Mutex(State())

    private struct State {
        var waiting: [any GroupedWrite] = []
        /// A drain is queued on the writer and has not yet taken the waiting writes.
        var scheduled = false
        var statistics = Statistics()
    }

    /// What the groups held so far, for tests and diagnosis.
    struct Statistics: Sendable, Equatable {
        /// Transactions begun, and the writes they carried.
        var groups = 0
        var writes = 0
        var largestGroup = 0
    }

    var statistics: Statistics { state.withLock { $0.statistics } }

    /// Writes waiting for the next group now.
    var waitingCount: Int { state.withLock { $0.waiting.count } }

    init(writer: any DatabaseWriter) {
        self.writer = writer
    }

    /// Runs `work` in the next group's transaction and returns its result once that transaction committed.
    /// An error `work` throws undoes only what `work` did; a failed COMMIT fails every write of the group.
    func write<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws(HubError) -> T {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<T, HubError>, Never>) in
            let pending = PendingWrite(work: work, continuation: continuation)
            let schedule = state.withLock { state in
                state.waiting.append(pending)
                defer { state.scheduled = true }
                return !state.scheduled
            }
            if schedule { writer.asyncWriteWithoutTransaction { db in self.drain(db) } }
        }
        return try result.get()
    }

    /// Takes every write waiting now and carries them out in one transaction. Runs on the writer's queue,
    /// in turn with every other write of the hub (a group never starves them: the next group queues anew).
    private func drain(_ db: Database) {
        let group = state.withLock { state in
            defer {
                state.waiting = []
                state.scheduled = false
            }
            if !state.waiting.isEmpty {
                state.statistics.groups += 1
                state.statistics.writes += state.waiting.count
                state.statistics.largestGroup = max(state.statistics.largestGroup, state.waiting.count)
            }
            return state.waiting
        }
        guard !group.isEmpty else { return }
        var failure: HubError?
        do {
            try db.cachedStatement(sql: "BEGIN IMMEDIATE TRANSACTION").execute()
            for write in group {
                try write.run(db, inSavepoint: group.count > 1)
                // SQLite rolls a whole transaction back on some errors (disk full, I/O): then none holds.
                guard db.isInsideTransaction else {
                    throw HubError.storage("the transaction of \(group.count) grouped writes was rolled back")
                }
            }
            if group.count == 1, !group[0].succeeded {
                try db.cachedStatement(sql: "ROLLBACK TRANSACTION").execute()
            } else {
                try db.cachedStatement(sql: "COMMIT TRANSACTION").execute()
            }
        } catch {
            failure = (error as? HubError) ?? .storage("commit of \(group.count) grouped writes failed: \(error)")
            if db.isInsideTransaction { try? db.execute(sql: "ROLLBACK TRANSACTION") }
        }
        for write in group { write.finish(failure) }
    }
}

/// One write waiting for its group.
private protocol GroupedWrite: AnyObject, Sendable {
    /// Carries the write out inside the group's transaction; throws only what sinks the whole group.
    func run(_ db: Database, inSavepoint: Bool) throws
    var succeeded: Bool { get }
    /// Hands the caller its result, or `failure` when the group did not commit.
    func finish(_ failure: HubError?)
}

/// `result` is written on the writer's queue and read after the group's commit, on the same queue: one
/// thread at a time.
private final class PendingWrite<T: Sendable>: GroupedWrite, @unchecked Sendable {
    let work: @Sendable (Database) throws -> T
    let continuation: CheckedContinuation<Result<T, HubError>, Never>
    var result: Result<T, HubError>?

    init(
        work: @escaping @Sendable (Database) throws -> T, continuation: CheckedContinuation<Result<T, HubError>, Never>
    ) {
        self.work = work
        self.continuation = continuation
    }

    var succeeded: Bool {
        if case .success = result { return true }
        return false
    }

    func run(_ db: Database, inSavepoint: Bool) throws {
        guard inSavepoint else {
            // Alone in its transaction: a failure rolls the transaction back (see `drain`).
            result = Self.catching { try work(db) }
            return
        }
        try db.cachedStatement(sql: "SAVEPOINT grouped_write").execute()
        result = Self.catching { try work(db) }
        guard db.isInsideTransaction else { return }
        if !succeeded {
            try db.cachedStatement(sql: "ROLLBACK TRANSACTION TO SAVEPOINT grouped_write").execute()
        }
        try db.cachedStatement(sql: "RELEASE SAVEPOINT grouped_write").execute()
    }

    func finish(_ failure: HubError?) {
        switch (result, failure) {
        case (.failure(let refused)?, _): continuation.resume(returning: .failure(refused))
        case (let result?, nil): continuation.resume(returning: result)
        case (_, let failure?): continuation.resume(returning: .failure(failure))
        case (nil, nil): continuation.resume(returning: .failure(.storage("a grouped write was not carried out")))
        }
    }

    private static func catching(_ work: () throws -> T) -> Result<T, HubError> {
        do {
            return .success(try work())
        } catch let error as HubError {
            return .failure(error)
        } catch {
            return .failure(.storage("\(error)"))
        }
    }
}
