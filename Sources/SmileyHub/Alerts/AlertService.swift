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

    public init(
        evaluator: AlertEvaluator, clock: HubClock, interval: Duration = .seconds(60), logger: Logger,
        wake: WakeSignal = WakeSignal(), delivery: WakeSignal? = nil
    ) {
        self.evaluator = evaluator
        self.clock = clock
        self.interval = interval
        self.logger = logger
        self.wake = wake
        self.delivery = delivery
    }

    public func run() async throws {
        await wake.run(every: interval) { await evaluate() }
    }

    func evaluate() async {
        do {
            let changes = try await evaluator.evaluate(nowMillis: clock.nowMillis())
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
