import Logging
import ServiceLifecycle

/// Pings systemd's watchdog every half `WatchdogSec=`, but only while the button loop answers: a
/// wedged GPIO thread stops the pings and systemd restarts the daemon. Waits on `clock` (an
/// `EventLoopClock`, so an idle device wakes only for the pings).
public struct WatchdogService: Service {
    let interval: Duration
    let notifier: SystemdNotifier
    let isResponsive: @Sendable () async -> Bool
    let clock: any Clock<Duration>
    let logger: Logger

    public init(
        interval: Duration, notifier: SystemdNotifier, logger: Logger, clock: any Clock<Duration> = EventLoopClock(),
        isResponsive: @escaping @Sendable () async -> Bool
    ) {
        self.interval = interval
        self.notifier = notifier
        self.isResponsive = isResponsive
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while true {
                    if await isResponsive() {
                        notifier.watchdog()
                    } else {
                        logger.error("button loop did not answer: withholding the watchdog ping")
                    }
                    try await clock.sleep(for: interval)
                }
            }
        } catch is CancellationError {}
    }
}
