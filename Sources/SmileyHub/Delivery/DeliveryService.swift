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
    /// On PostgreSQL, the lease ("alert-delivery") that lets one hub at a time deliver; nil on SQLite.
    let lease: PeriodicWorkLease?

    public init(
        deliverer: AlertDeliverer, clock: HubClock, signal: WakeSignal, pollInterval: Duration = .seconds(15),
        logger: Logger, lease: PeriodicWorkLease? = nil
    ) {
        self.lease = lease
        self.deliverer = deliverer
        self.clock = clock
        self.signal = signal
        self.pollInterval = pollInterval
        self.logger = logger
    }

    public func run() async throws {
        await signal.run(every: pollInterval, lease: lease, logger: logger) {
            do {
                try await deliverer.deliverDue(nowMillis: clock.nowMillis())
            } catch {
                logger.error("alert delivery failed: \(error)")
            }
        }
    }
}
