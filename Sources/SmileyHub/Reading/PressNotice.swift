import SmileyCore

/// The note every hub of a PostgreSQL database hears when a batch with new presses commits: `NOTIFY` on
/// `channel` with the centre's id as payload, issued inside the batch's transaction (PostgreSQL delivers it
/// on commit only, never for a batch rolled back).
public enum PressNotice {
    /// The one channel of press notes.
    public static let channel = "smiley_press"

    /// A payload that is not a centre id: ignored and logged by the listener.
    public struct BadPayload: Error, CustomStringConvertible, Equatable {
        public var payload: String
        public var description: String {
            let shown = payload.count > 80 ? String(payload.prefix(80)) + "…" : payload
            return "a notification on channel '\(PressNotice.channel)' carried '\(shown.debugDescriptionText)', "
                + "which is not a centre id (1 to 64 of a-z, 0-9, '-', '_', starting with a letter or digit): ignored"
        }
    }

    /// The centre a payload names.
    public static func centre(fromPayload payload: String) throws(BadPayload) -> CentreID {
        guard let centre = CentreID(rawValue: payload) else { throw BadPayload(payload: payload) }
        return centre
    }
}

extension String {
    /// The text with control characters escaped, for a log line.
    fileprivate var debugDescriptionText: String {
        String(debugDescription.dropFirst().dropLast())
    }
}

/// When the press listener tries to connect again after its connection closed or could not be made: 0.5 s
/// after, then doubling to at most 30 s while attempts fail; from 0.5 s again once a connection listened.
/// Time is data: the listener passes its clock's readings in and sleeps until the attempt this returns.
public struct ListenerReconnectSchedule: Sendable, Equatable {
    public var firstDelayMillis: Int64 = 500
    public var maximumDelayMillis: Int64 = 30_000
    /// Attempts that failed in a row since the last connection that listened.
    public private(set) var failures = 0

    public init(firstDelayMillis: Int64 = 500, maximumDelayMillis: Int64 = 30_000) {
        self.firstDelayMillis = firstDelayMillis
        self.maximumDelayMillis = maximumDelayMillis
    }

    /// A connection is listening: the next loss is retried from the start of the schedule.
    public mutating func listening() {
        failures = 0
    }

    /// The connection closed, or an attempt failed, at `nowMillis`: when to try next.
    public mutating func lost(atMillis nowMillis: Int64) -> Int64 {
        let delay = delayMillis(afterFailures: failures)
        failures += 1
        return nowMillis + delay
    }

    /// The wait after `count` failures in a row: 0.5 s, 1 s, 2 s, … capped at `maximumDelayMillis`.
    func delayMillis(afterFailures count: Int) -> Int64 {
        var delay = firstDelayMillis
        for _ in 0..<min(count, 32) where delay < maximumDelayMillis { delay *= 2 }
        return min(delay, maximumDelayMillis)
    }
}

/// What a press listener missed while it was not listening, and how far back it catches up once it listens
/// again. Notes sent while no connection listened are gone, so the listener looks instead at which centres'
/// devices the database saw since it stopped hearing (`device.last_seen_millis`) and tells open pages about
/// each, which then draw themselves afresh. Time is data: the listener passes its clock's readings in.
public struct MissedPressNotes: Sendable, Equatable {
    /// Each hub stamps `last_seen_millis` by its own clock: the catch-up looks this much further back than
    /// the loss, so a hub whose clock runs behind the listener's by up to this much is still covered.
    public var clockAllowanceMillis: Int64 = 60_000
    /// The listener's clock when it stopped hearing notes; nil while nothing is missed.
    public private(set) var sinceMillis: Int64?

    public init(clockAllowanceMillis: Int64 = 60_000) {
        self.clockAllowanceMillis = clockAllowanceMillis
    }

    /// A connection that listened was lost at `nowMillis`. A loss during an earlier gap keeps its start.
    public mutating func stoppedListening(atMillis nowMillis: Int64) {
        if sinceMillis == nil { sinceMillis = nowMillis }
    }

    /// The `last_seen_millis` from which devices' centres are told again; nil when nothing was missed (the
    /// first connection of a hub: no page of it was open before).
    public var catchUpFromMillis: Int64? {
        sinceMillis.map { $0 - clockAllowanceMillis }
    }

    /// Open pages were told about every centre seen since the gap began.
    public mutating func caughtUp() {
        sinceMillis = nil
    }
}
