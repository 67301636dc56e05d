import Logging
import ServiceLifecycle
import SmileyCore

/// Runs the alert rules every `interval` inside the hub, on the hub's clock.
public struct AlertService: Service {
    let evaluator: AlertEvaluator
    let clock: HubClock
    let interval: Duration
    let logger: Logger

    public init(evaluator: AlertEvaluator, clock: HubClock, interval: Duration = .seconds(60), logger: Logger) {
        self.evaluator = evaluator
        self.clock = clock
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                for change in try evaluator.evaluate(nowMillis: clock.nowMillis()) {
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
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
