/// How long a lease cut off by a silent network (packets dropped, nothing closed: a failed switch, a paused
/// VM) may last on either side. The holder asks its lease connection `SELECT 1` every `checkInterval` and
/// treats the lease as lost when no answer comes within `checkTimeout`; the server ends the lease's session
/// (freeing its advisory lock) once it has heard nothing for `idleSessionTimeout` (`idle_session_timeout`),
/// and drops a peer that stops acknowledging sooner by TCP keepalive and `tcp_user_timeout`.
public struct LeaseLiveness: Sendable, Equatable {
    /// Between two checks of the lease connection while the lease is held.
    public var checkInterval: Duration
    /// How long a check may wait for its answer before the lease counts as lost.
    public var checkTimeout: Duration
    /// The lease session's `idle_session_timeout`: the server ends it after this long without a word from
    /// the holder. Must exceed `checkInterval + checkTimeout`, or a healthy holder would be cut off.
    public var idleSessionTimeout: Duration
    /// The lease session's `tcp_keepalives_idle`, `tcp_keepalives_interval` (whole seconds) and
    /// `tcp_keepalives_count`: a peer gone from the network is dropped after idle + interval × count.
    public var keepaliveIdle: Duration
    public var keepaliveInterval: Duration
    public var keepaliveCount: Int

    public init(
        checkInterval: Duration = .seconds(10), checkTimeout: Duration = .seconds(5),
        idleSessionTimeout: Duration = .seconds(30), keepaliveIdle: Duration = .seconds(10),
        keepaliveInterval: Duration = .seconds(5), keepaliveCount: Int = 3
    ) {
        self.checkInterval = checkInterval
        self.checkTimeout = checkTimeout
        self.idleSessionTimeout = idleSessionTimeout
        self.keepaliveIdle = keepaliveIdle
        self.keepaliveInterval = keepaliveInterval
        self.keepaliveCount = keepaliveCount
    }

    /// The defaults: the holder notices within 15 s, the server frees the lock within 30 s of the last check
    /// answered, so another hub takes over at its first tick after that (about a minute at most with the
    /// alert evaluation's 60 s ticks).
    public static let standard = LeaseLiveness()

    /// A bound that cannot work, named.
    public struct Invalid: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    /// Throws `Invalid` naming the setting when the bounds cannot hold a healthy lease or are not positive.
    public func validate() throws(Invalid) {
        for (name, value) in [
            ("checkInterval", checkInterval), ("checkTimeout", checkTimeout),
            ("idleSessionTimeout", idleSessionTimeout),
        ] where value <= .zero {
            throw Invalid(description: "the lease's \(name) must be positive, not \(value)")
        }
        for (name, value) in [("keepaliveIdle", keepaliveIdle), ("keepaliveInterval", keepaliveInterval)]
        where value < .seconds(1) {
            throw Invalid(
                description:
                    "the lease's \(name) must be at least 1 second (PostgreSQL counts it in seconds), not \(value)")
        }
        if keepaliveCount < 1 {
            throw Invalid(description: "the lease's keepaliveCount must be at least 1, not \(keepaliveCount)")
        }
        if idleSessionTimeout <= holderNoticesWithin {
            throw Invalid(
                description: "the lease's idleSessionTimeout (\(idleSessionTimeout)) must exceed checkInterval + "
                    + "checkTimeout (\(holderNoticesWithin)): the server would end a healthy holder's session")
        }
    }

    /// The longest a holder works on after its link went silent: the next check, and its timeout.
    public var holderNoticesWithin: Duration { checkInterval + checkTimeout }

    /// The longest the server keeps the lock of a session gone silent, counted from its last check answered.
    public var serverFreesWithin: Duration {
        min(idleSessionTimeout, keepaliveIdle + keepaliveInterval * keepaliveCount)
    }

    /// The statement setting the lease session's bounds on the server (one query: `set_config` is a function).
    public var sessionSettingsSQL: String {
        let userTimeout = Self.millis(keepaliveIdle + keepaliveInterval * keepaliveCount)
        let settings: [(String, Int64)] = [
            ("idle_session_timeout", Self.millis(idleSessionTimeout)),
            ("tcp_keepalives_idle", Self.millis(keepaliveIdle) / 1000),
            ("tcp_keepalives_interval", Self.millis(keepaliveInterval) / 1000),
            ("tcp_keepalives_count", Int64(keepaliveCount)),
            ("tcp_user_timeout", userTimeout),
        ]
        return "SELECT "
            + settings.map { "set_config('\($0.0)', '\($0.1)', false)" }.joined(separator: ", ")
    }

    static func millis(_ duration: Duration) -> Int64 {
        let parts = duration.components
        return parts.seconds * 1000 + parts.attoseconds / 1_000_000_000_000_000
    }
}

/// What one check of a lease connection found.
enum LeaseCheck: Equatable, Sendable {
    case answered
    case failed(String)
    case unanswered(after: Duration)

    /// Why the lease counts as lost after this check, or nil while it is held.
    var lostReason: String? {
        switch self {
        case .answered: nil
        case .failed(let problem): "its PostgreSQL connection failed a check: \(problem)"
        case .unanswered(let after):
            "its PostgreSQL connection did not answer a check within \(after) (a silent network?)"
        }
    }
}
