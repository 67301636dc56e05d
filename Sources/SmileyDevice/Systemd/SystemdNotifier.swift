import CSmileyLinux
import Foundation
import Logging

/// Talks to systemd over `$NOTIFY_SOCKET` (`Type=notify`): readiness, stopping and watchdog pings.
/// Does nothing when not started by systemd.
public struct SystemdNotifier: Sendable {
    let logger: Logger

    public init(logger: Logger) { self.logger = logger }

    public func notify(_ message: String) {
        if smiley_sd_notify(message) < 0 {
            logger.warning("cannot notify systemd (\(message)): \(SystemError(operation: "sd_notify", errno: errno))")
        }
    }

    public func ready() { notify("READY=1") }
    public func stopping() { notify("STOPPING=1") }
    public func watchdog() { notify("WATCHDOG=1") }

    /// Half of `WatchdogSec=` when systemd asked this process for watchdog pings, else nil.
    public static func watchdogInterval(environment: [String: String] = ProcessInfo.processInfo.environment)
        -> Duration?
    {
        guard let text = environment["WATCHDOG_USEC"], let usec = Int64(text), usec > 0 else { return nil }
        if let pid = environment["WATCHDOG_PID"], pid != String(getpid()) { return nil }
        return .microseconds(usec / 2)
    }
}
