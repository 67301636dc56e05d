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
/// Notes sent while it was not listening are lost; once it listens again it catches up: every centre whose
/// devices the database saw since the loss (`MissedPressNotes`) is published, so open pages draw themselves
/// afresh instead of waiting for the next press.
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
        var missed = MissedPressNotes()
        while !Task.isCancelled {
            let ending = await listenOnce(catchingUpFrom: missed.catchUpFromMillis)
            if Task.isCancelled { return }
            if ending.caughtUp { missed.caughtUp() }
            if ending.listened { schedule.listening() }
            let now = clock.nowMillis()
            if ending.listened { missed.stoppedListening(atMillis: now) }
            let wait = max(schedule.lost(atMillis: now) - now, 0)
            logger.warning(
                "the press listener is not listening: \(ending.reason); connecting again in \(wait) ms (open pages are told about presses of the gap once it listens again)"
            )
            try await sleep(.milliseconds(wait))
        }
    }

    /// One connection: connect, `LISTEN`, catch up from `catchingUpFrom` when given, publish every note until
    /// the connection closes or the task is cancelled. Says whether it listened, whether it caught up, and why
    /// it ended. The catch-up reads after `LISTEN` took effect: a press committed later is heard as a note.
    func listenOnce(catchingUpFrom: Int64? = nil) async -> (listened: Bool, caughtUp: Bool, reason: String) {
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration, id: 0, logger: logger)
        } catch {
            return (false, false, "cannot connect to PostgreSQL: \(PostgresPressStore.hubError(error))")
        }
        var listened = false
        var caughtUp = false
        let reason: String
        do {
            try await connection.listen(on: PressNotice.channel) { notes in
                listened = true
                logger.notice("listening for presses of every hub on channel '\(PressNotice.channel)'")
                if let from = catchingUpFrom {
                    try await catchUp(from: from, on: connection)
                    caughtUp = true
                }
                for try await note in notes {
                    await receive(note.payload)
                }
            }
            reason = "the notifications ended"
        } catch {
            reason = "its PostgreSQL connection closed: \(PostgresPressStore.hubError(error))"
        }
        try? await connection.close()
        return (listened, caughtUp, reason)
    }

    /// Publishes every centre with a device the database saw at or after `fromMillis`, in id order.
    func catchUp(from fromMillis: Int64, on connection: PostgresConnection) async throws {
        var centres: [CentreID] = []
        for try await id in try await connection.query(
            "SELECT DISTINCT centre_id FROM device WHERE last_seen_millis >= \(fromMillis) ORDER BY centre_id",
            logger: logger
        ).decode(String.self) {
            if let centre = CentreID(rawValue: id) { centres.append(centre) }
        }
        for centre in centres { await feed.publish(centre) }
        logger.notice(
            "the press listener caught up: \(centres.count) centre(s) with devices seen while it was not listening told to open pages"
        )
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
