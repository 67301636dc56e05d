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
                    logger.notice("alert \(change.kind.rawValue) at \(change.centre): \(change.transition)")
                }
            } catch {
                logger.error("alert evaluation failed: \(error)")
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
