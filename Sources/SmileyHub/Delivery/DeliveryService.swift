import Logging
import ServiceLifecycle

/// Delivers the outbox's due notifications inside the hub: when woken (an alert opened) and every
/// `pollInterval` for retries, each pass at the hub clock's time. Pending deliveries survive restarts in the
/// database.
public struct DeliveryService: Service {
    let deliverer: AlertDeliverer
    let clock: HubClock
    let signal: WakeSignal
    let pollInterval: Duration
    let logger: Logger

    public init(
        deliverer: AlertDeliverer, clock: HubClock, signal: WakeSignal, pollInterval: Duration = .seconds(15),
        logger: Logger
    ) {
        self.deliverer = deliverer
        self.clock = clock
        self.signal = signal
        self.pollInterval = pollInterval
        self.logger = logger
    }

    public func run() async throws {
        await signal.run(every: pollInterval) {
            do {
                try await deliverer.deliverDue(nowMillis: clock.nowMillis())
            } catch {
                logger.error("alert delivery failed: \(error)")
            }
        }
    }
}
