/// Where an alert stands: open (perhaps acknowledged by a manager) until its condition clears.
public struct AlertState: Sendable, Hashable, Codable {
    public var openedMillis: Int64
    public var evidence: AlertEvidence
    public var acknowledgedMillis: Int64?
    public var acknowledgedBy: String?
    public var comment: String?
    public var resolvedMillis: Int64?

    public init(openedMillis: Int64, evidence: AlertEvidence) {
        self.openedMillis = openedMillis
        self.evidence = evidence
    }

    public var isOpen: Bool { resolvedMillis == nil }
}

/// What the evaluator does about one rule's finding: a value-type state machine, so the rules' timing is
/// tested with plain data. An alert opens once (and is delivered once), keeps its latest evidence while the
/// condition holds, does not re-fire while open, and resolves itself when the condition clears.
public enum AlertTransition: Sendable, Hashable {
    /// Open a new alert and deliver it.
    case open(AlertState)
    /// Still holding: keep the alert open with fresher evidence; deliver nothing.
    case update(AlertState)
    /// The condition cleared: resolve the alert.
    case resolve(AlertState)
    case nothing

    public static func next(current: AlertState?, finding: AlertEvidence?, nowMillis: Int64) -> AlertTransition {
        switch (current, finding) {
        case (nil, nil): return .nothing
        case (nil, let evidence?): return .open(AlertState(openedMillis: nowMillis, evidence: evidence))
        case (let state?, nil):
            guard state.isOpen else { return .nothing }
            var resolved = state
            resolved.resolvedMillis = nowMillis
            return .resolve(resolved)
        case (let state?, let evidence?):
            guard state.isOpen else { return .open(AlertState(openedMillis: nowMillis, evidence: evidence)) }
            var updated = state
            updated.evidence = evidence
            return updated == state ? .nothing : .update(updated)
        }
    }

    /// A manager acknowledges an open alert with a comment; it stays open until the condition clears.
    public static func acknowledge(_ state: AlertState, by person: String, comment: String, nowMillis: Int64)
        -> AlertState
    {
        var acknowledged = state
        acknowledged.acknowledgedMillis = nowMillis
        acknowledged.acknowledgedBy = person
        acknowledged.comment = comment
        return acknowledged
    }
}
