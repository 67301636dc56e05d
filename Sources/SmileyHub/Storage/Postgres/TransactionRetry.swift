/// Which transactions the hub runs again after PostgreSQL aborted them, and how long it waits first.
///
/// Only two SQLSTATEs are retried: 40001 (serialization failure) and 40P01 (deadlock detected). With them the
/// server has rolled the whole transaction back, so running it again cannot store anything twice; the hub's
/// writes at READ COMMITTED are not expected to meet either, but a deadlock between unrelated statements, or
/// a standby promoted under load, can. Any other failure, and a connection lost mid-commit (where the
/// outcome is unknown), is thrown at once. A plain value: the store passes the attempt and the state in.
public struct TransactionRetry: Sendable, Equatable {
    /// The SQLSTATEs after which a transaction is run again.
    public static let retriedStates: Set<String> = ["40001", "40P01"]

    /// Attempts in all, the first included; 1 turns retrying off.
    public var maximumAttempts: Int
    /// The wait before the second attempt; each later wait doubles it.
    public var firstDelayMillis: Int64

    public init(maximumAttempts: Int = 3, firstDelayMillis: Int64 = 10) {
        self.maximumAttempts = max(1, maximumAttempts)
        self.firstDelayMillis = max(0, firstDelayMillis)
    }

    /// How long to wait before running a transaction again after attempt `attempt` (1 for the first) failed
    /// with `sqlState`; nil when it is not run again.
    public func delayMillis(afterAttempt attempt: Int, sqlState: String?) -> Int64? {
        guard let sqlState, Self.retriedStates.contains(sqlState), attempt >= 1, attempt < maximumAttempts else {
            return nil
        }
        return firstDelayMillis << Int64(min(attempt - 1, 20))
    }
}
