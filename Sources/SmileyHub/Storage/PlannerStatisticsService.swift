import Logging
import ServiceLifecycle

/// When the planner's statistics are next refreshed: once `period` of the hub's clock has passed since
/// the last refresh (the open's counts as one). A clock set back starts the period again from there.
public struct PlannerStatisticsSchedule: Sendable, Equatable {
    public let periodMillis: Int64
    public private(set) var lastMillis: Int64

    public init(periodMillis: Int64, lastMillis: Int64) {
        precondition(periodMillis > 0, "the period of the statistics refresh must be positive")
        self.periodMillis = periodMillis
        self.lastMillis = lastMillis
    }

    /// Whether a refresh is due at `nowMillis`; when it is, the period starts again at `nowMillis`.
    public mutating func due(nowMillis: Int64) -> Bool {
        if nowMillis < lastMillis {
            lastMillis = nowMillis
            return false
        }
        guard nowMillis - lastMillis >= periodMillis else { return false }
        lastMillis = nowMillis
        return true
    }
}

/// Keeps SQLite's planner statistics current while the hub runs: every `pollInterval` it asks the
/// schedule (on the hub's clock) and, when due, analyses the tables without statistics and runs
/// `PRAGMA optimize` on the writing connection (`HubDatabase.refreshPlannerStatistics`); once more at
/// graceful shutdown, as SQLite suggests before a connection closes.
public struct PlannerStatisticsService: Service {
    let database: HubDatabase
    let clock: HubClock
    let periodMillis: Int64
    let pollInterval: Duration
    let logger: Logger
    /// Told of every refresh and its outcome (tests wait on it).
    let refreshed: @Sendable (PlannerStatistics.Outcome) -> Void

    public init(
        database: HubDatabase, clock: HubClock, periodMillis: Int64 = 6 * 3_600_000,
        pollInterval: Duration = .seconds(600), logger: Logger,
        refreshed: @escaping @Sendable (PlannerStatistics.Outcome) -> Void = { _ in }
    ) {
        self.database = database
        self.clock = clock
        self.periodMillis = periodMillis
        self.pollInterval = pollInterval
        self.logger = logger
        self.refreshed = refreshed
    }

    public func run() async throws {
        var schedule = PlannerStatisticsSchedule(periodMillis: periodMillis, lastMillis: clock.nowMillis())
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pollInterval) }
            guard !Task.isCancelled && !Task.isShuttingDownGracefully else { break }
            if schedule.due(nowMillis: clock.nowMillis()) { refresh() }
        }
        refresh()
    }

    private func refresh() {
        do {
            let outcome = try database.refreshPlannerStatistics()
            if !outcome.analysed.isEmpty {
                logger.info("planner statistics: analysed \(outcome.analysed.joined(separator: ", "))")
            }
            refreshed(outcome)
        } catch {
            logger.error("refreshing the planner statistics failed: \(error)")
        }
    }
}
