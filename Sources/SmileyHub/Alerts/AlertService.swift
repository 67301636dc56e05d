import Logging
import ServiceLifecycle
import SmileyCore

/// Runs the alert rules every `interval` (and when woken) inside the hub, on the hub's clock.
public struct AlertService: Service {
    let evaluator: AlertEvaluator
    let clock: HubClock
    let interval: Duration
    let logger: Logger
    /// Wakes an evaluation at once.
    let wake: WakeSignal
    /// Woken when an alert opens, so its notifications go out at once.
    let delivery: WakeSignal?
    /// On PostgreSQL, the lease ("alert-evaluation") that lets one hub at a time evaluate; nil on SQLite.
    let lease: PeriodicWorkLease?

    public init(
        evaluator: AlertEvaluator, clock: HubClock, interval: Duration = .seconds(60), logger: Logger,
        wake: WakeSignal = WakeSignal(), delivery: WakeSignal? = nil, lease: PeriodicWorkLease? = nil
    ) {
        self.lease = lease
        self.evaluator = evaluator
        self.clock = clock
        self.interval = interval
        self.logger = logger
        self.wake = wake
        self.delivery = delivery
    }

    public func run() async throws {
        await wake.run(every: interval, lease: lease, logger: logger) { await evaluate() }
    }

    func evaluate() async {
        do {
            let now = clock.nowMillis()
            let changes = try await evaluator.evaluate(nowMillis: now)
            logger.debug("alert evaluation at \(now): \(changes.count) changes")
            if changes.contains(where: { if case .open = $0.transition { true } else { false } }) {
                delivery?.wake()
            }
            for change in changes {
                switch change.transition {
                case .open(let state):
                    logger.notice(
                        "alert opened at \(change.centre): \(change.kind.rawValue): \(state.evidence.summary)")
                case .resolve:
                    logger.notice("alert resolved at \(change.centre): \(change.kind.rawValue)")
                case .update(let state):
                    logger.debug(
                        "alert holds at \(change.centre): \(change.kind.rawValue): \(state.evidence.summary)")
                case .nothing:
                    break
                }
            }
        } catch {
            logger.error("alert evaluation failed: \(error)")
        }
    }
}
