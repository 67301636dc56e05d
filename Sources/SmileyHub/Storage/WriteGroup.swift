import GRDB
import SmileyCore
import Synchronization

/// Group commit for the devices' writes: the writes that arrive while the writer is busy wait together
/// and are carried out in one transaction, each in a savepoint of its own, so one durable commit (one
/// sync of the WAL) serves them all. A write that fails rolls back to its savepoint: it changes nothing
/// and the others go on. Every caller hears its result only after the shared COMMIT returned, and with
/// `synchronous = FULL` that commit is on disk: nothing is acknowledged before it is durable.
///
/// Nothing waits on purpose: a write that finds the writer idle is carried out at once, alone; groups form
/// only from the writes that arrive during another group's transaction and sync.
///
/// A group is bounded (`Limits`): under a flood the waiting writes are taken in order, as many as fit,
/// and the rest wait for the next group, queued on the writer behind this one. So one transaction's size,
/// the time the writer is held and every waiter's wait for its receipt stay bounded however many arrive.
final class WriteGroup: Sendable {
    /// The most one group carries: `writes` requests, and `presses` presses summed over them (a write that
    /// alone carries more still goes, alone).
    struct Limits: Sendable, Equatable {
        var writes: Int
        var presses: Int

        /// 64 requests or 5,000 presses (one full batch): tens of milliseconds of the writer at most.
        static let standard = Limits(writes: 64, presses: IngestBatch.maximumPresses)
    }

    private let writer: any DatabaseWriter
    let limits: Limits
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
        /// The most presses one group carried.
        var largestGroupPresses = 0
        /// Groups that left writes waiting because the limits were reached.
        var splits = 0
    }

    var statistics: Statistics { state.withLock { $0.statistics } }

    /// Writes waiting for the next group now.
    var waitingCount: Int { state.withLock { $0.waiting.count } }

    init(writer: any DatabaseWriter, limits: Limits = .standard) {
        precondition(limits.writes >= 1 && limits.presses >= 1, "a group must carry at least one write")
        self.writer = writer
        self.limits = limits
    }

    /// Runs `work` in the next group's transaction and returns its result once that transaction committed.
    /// `presses` is what the write stores (counted against `Limits.presses`). An error `work` throws undoes
    /// only what `work` did; a failed COMMIT fails every write of the group.
    func write<T: Sendable>(presses: Int = 0, _ work: @escaping @Sendable (Database) throws -> T) async throws(HubError)
        -> T
    {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<T, HubError>, Never>) in
            let pending = PendingWrite(work: work, presses: presses, continuation: continuation)
            let schedule = state.withLock { state in
                state.waiting.append(pending)
                defer { state.scheduled = true }
                return !state.scheduled
            }
            if schedule { writer.asyncWriteWithoutTransaction { db in self.drain(db) } }
        }
        return try result.get()
    }

    /// The first writes of `waiting` that one group carries: in order, at most `limits.writes`, and no more
    /// presses than `limits.presses` unless the first write alone has more.
    static func groupSize(of waiting: [Int], limits: Limits) -> Int {
        var count = 0
        var presses = 0
        while count < waiting.count && count < limits.writes {
            if count > 0 && presses + waiting[count] > limits.presses { break }
            presses += waiting[count]
            count += 1
        }
        return count
    }

    /// Takes the writes waiting now, as many as one group carries (`Limits`), and carries them out in one
    /// transaction; when more wait, queues the next group behind it. Runs on the writer's queue, in turn with
    /// every other write of the hub (a group never starves them: the next group queues anew).
    private func drain(_ db: Database) {
        let (group, more) = state.withLock { state -> ([any GroupedWrite], Bool) in
            let count = Self.groupSize(of: state.waiting.map(\.presses), limits: limits)
            let group = Array(state.waiting.prefix(count))
            state.waiting.removeFirst(count)
            let more = !state.waiting.isEmpty
            // Writes arriving from now on join the next group, which is queued below when some already wait.
            state.scheduled = more
            if !group.isEmpty {
                let presses = group.reduce(0) { $0 + $1.presses }
                state.statistics.groups += 1
                state.statistics.writes += group.count
                state.statistics.largestGroup = max(state.statistics.largestGroup, group.count)
                state.statistics.largestGroupPresses = max(state.statistics.largestGroupPresses, presses)
                if more { state.statistics.splits += 1 }
            }
            return (group, more)
        }
        if more { writer.asyncWriteWithoutTransaction { db in self.drain(db) } }
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
    /// The presses the write stores, counted against `WriteGroup.Limits.presses`.
    var presses: Int { get }
    /// Hands the caller its result, or `failure` when the group did not commit.
    func finish(_ failure: HubError?)
}

/// `result` is written on the writer's queue and read after the group's commit, on the same queue: one
/// thread at a time.
private final class PendingWrite<T: Sendable>: GroupedWrite, @unchecked Sendable {
    let work: @Sendable (Database) throws -> T
    let presses: Int
    let continuation: CheckedContinuation<Result<T, HubError>, Never>
    var result: Result<T, HubError>?

    init(
        work: @escaping @Sendable (Database) throws -> T, presses: Int,
        continuation: CheckedContinuation<Result<T, HubError>, Never>
    ) {
        self.work = work
        self.presses = max(0, presses)
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
