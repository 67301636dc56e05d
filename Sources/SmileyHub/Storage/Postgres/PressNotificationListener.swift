import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import ServiceLifecycle
import SmileyCore

/// Hears the press notes of every hub of the database (`LISTEN smiley_press`, `PressNotice`) on a connection
/// of its own, and publishes each centre into this hub's `PressFeed`, so open pages follow presses whichever
/// hub received them. On PostgreSQL this is the only way into the feed, the hub's own presses included.
///
/// When the connection closes (PostgreSQL restarted, the network dropped, `pg_terminate_backend`), the
/// listener connects again on `ListenerReconnectSchedule`, by the injected clock, and says so in the log.
/// Notes sent while it was not listening are lost: open pages refresh at the next note they get.
/// A payload that is not a centre id is logged and ignored. Graceful shutdown stops it.
public struct PressNotificationListener: Service {
    /// The connection's `application_name`, as `pg_stat_activity` shows it.
    public static let applicationName = "smiley-hub press listener"

    let configuration: PostgresConnection.Configuration
    let feed: PressFeed
    let clock: HubClock
    let schedule: ListenerReconnectSchedule
    /// How the listener waits before trying again (tests may watch it).
    let sleep: @Sendable (Duration) async throws -> Void
    let logger: Logger

    public init(
        configuration: PostgresConnection.Configuration, feed: PressFeed, clock: HubClock = .system,
        schedule: ListenerReconnectSchedule = ListenerReconnectSchedule(), logger: Logger,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        var configuration = configuration
        configuration.options.additionalStartupParameters.append(("application_name", Self.applicationName))
        self.configuration = configuration
        self.feed = feed
        self.clock = clock
        self.schedule = schedule
        self.sleep = sleep
        self.logger = logger
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown { try await self.listenUntilCancelled() }
        logger.debug("the press listener stopped")
    }

    /// Listens, and after every loss waits by the schedule and listens again, until cancelled.
    func listenUntilCancelled() async throws {
        var schedule = self.schedule
        while !Task.isCancelled {
            let ending = await listenOnce()
            if Task.isCancelled { return }
            if ending.listened { schedule.listening() }
            let now = clock.nowMillis()
            let wait = max(schedule.lost(atMillis: now) - now, 0)
            logger.warning(
                "the press listener is not listening: \(ending.reason); connecting again in \(wait) ms (presses noted meanwhile are not heard: open pages refresh at their next event)"
            )
            try await sleep(.milliseconds(wait))
        }
    }

    /// One connection: connect, `LISTEN`, publish every note until the connection closes or the task is
    /// cancelled. Says whether it listened and why it ended.
    func listenOnce() async -> (listened: Bool, reason: String) {
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration, id: 0, logger: logger)
        } catch {
            return (false, "cannot connect to PostgreSQL: \(PostgresPressStore.hubError(error))")
        }
        var listened = false
        let reason: String
        do {
            try await connection.listen(on: PressNotice.channel) { notes in
                listened = true
                logger.notice("listening for presses of every hub on channel '\(PressNotice.channel)'")
                for try await note in notes {
                    await receive(note.payload)
                }
            }
            reason = "the notifications ended"
        } catch {
            reason = "its PostgreSQL connection closed: \(PostgresPressStore.hubError(error))"
        }
        try? await connection.close()
        return (listened, reason)
    }

    /// Publishes the centre a note names; a payload that is not a centre id is logged and ignored.
    func receive(_ payload: String) async {
        do {
            await feed.publish(try PressNotice.centre(fromPayload: payload))
        } catch {
            logger.warning("\(error)")
        }
    }
}
