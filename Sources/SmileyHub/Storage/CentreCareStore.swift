import Foundation
import SmileyCore

/// A centre's care, as its page and forms read and write it: the actions the centre took, its alert rules,
/// its alerts (with the evaluation's reads and writes) and their deliveries. Both backends hold it:
/// `HubDatabase` (SQLite) and `PostgresPressStore` (PostgreSQL); the pure rules decide on either
/// (`HubDatabase.validatedAction`, `CentreAlertRules`, `AlertTransition`, `HubDatabase.json`'s sorted keys),
/// and every write the SQLite hub makes in one transaction is one transaction on PostgreSQL too.
public protocol CentreCareStore: Sendable {
    // MARK: Actions

    /// Records an action (words and hours checked by `HubDatabase.validatedAction`), with its audit line.
    @discardableResult
    func addAction(
        centre: CentreID, date: LocalDate, text: String, target: String?, by person: String, address: String?,
        nowMillis: Int64
    ) async throws(HubError) -> CentreAction
    /// The actions of a centre, oldest date first.
    func actions(centre: CentreID) async throws(HubError) -> [CentreAction]
    /// Removes one action of a centre; an action of another centre is "unknown", like a missing one.
    func removeAction(_ id: Int64, centre: CentreID, by person: String, address: String?, nowMillis: Int64)
        async throws(HubError)
    /// The first local date the centre holds counted presses for, or nil.
    func firstDataDate(centre: CentreID) async throws(HubError) -> LocalDate?

    // MARK: Alert rules

    /// A centre's alert rules: the defaults with its stored changes.
    func alertRules(centre: CentreID) async throws(HubError) -> CentreAlertRules
    /// A centre's stored changes to the default rules, by name.
    func alertRuleChanges(centre: CentreID) async throws(HubError) -> [AlertRuleChange]
    /// Changes settings (all or none); a bad one throws `.invalid` naming it, and nothing is stored.
    @discardableResult
    func setAlertRules(_ changes: [(name: String, value: String)], centre: CentreID, by actor: String, nowMillis: Int64)
        async throws(HubError) -> CentreAlertRules
    /// Puts a centre's rules back to the defaults.
    func resetAlertRules(centre: CentreID, by actor: String, nowMillis: Int64) async throws(HubError)
    /// Since when each device of a centre has reported an unsynchronised clock (synchronised ones absent).
    func clockUnsynchronisedSince(centre: CentreID) async throws(HubError) -> [DeviceID: Int64]

    // MARK: Alerts

    /// Open alerts (all centres, or one), oldest first.
    func openAlerts(centre: CentreID?, limit: Int) async throws(HubError) -> [StoredAlert]
    /// The latest alerts of a centre (or of all), open or resolved, newest first.
    func alertHistory(centre: CentreID?, limit: Int) async throws(HubError) -> [StoredAlert]
    /// One alert by id, or nil.
    func alert(id: Int64) async throws(HubError) -> StoredAlert?
    /// Acknowledges an open, unacknowledged alert of `centre` (any centre when nil) with a comment; the
    /// alert's state is checked in the transaction that records it, so it is recorded once.
    @discardableResult
    func acknowledgeAlert(id: Int64, centre: CentreID?, by person: String, comment: String, nowMillis: Int64)
        async throws(HubError) -> StoredAlert
    /// Carries out an evaluation's transitions, each alert stored with its queued deliveries; the alerts'
    /// ids in order (0 for `.nothing`).
    @discardableResult
    func apply(_ changes: [HubDatabase.AlertChange], deliverTo: [String]) async throws(HubError) -> [Int64]
    /// Counted answers of a question at a centre placed after `fromMillis` up to `toMillis`.
    func recentAnswers(centre: CentreID, question: Question, fromMillis: Int64, toMillis: Int64)
        async throws(HubError) -> [TimedAnswer]
    /// Every open alert, oldest first, its evidence as stored.
    func openAlertHeads() async throws(HubError) -> [HubDatabase.OpenAlertHead]

    // MARK: Deliveries

    /// The deliveries of one alert, in the order they were queued.
    func deliveries(alertID: Int64) async throws(HubError) -> [AlertDelivery]
    /// The deliveries of a centre's alerts (or of all), newest first.
    func deliveries(centre: CentreID?, limit: Int) async throws(HubError) -> [AlertDelivery]
    /// Pending deliveries due at `nowMillis`, oldest first.
    func dueDeliveries(nowMillis: Int64, limit: Int) async throws(HubError) -> [AlertDelivery]
    /// Claims up to `limit` pending deliveries due at `nowMillis`, oldest first, for one attempt each: the
    /// statement that finds them moves their next attempt to `holdUntilMillis`, so no other pass (another
    /// hub's, on PostgreSQL) finds them due while the attempt runs. Only a claimed delivery is attempted.
    func claimDueDeliveries(nowMillis: Int64, holdUntilMillis: Int64, limit: Int) async throws(HubError)
        -> [AlertDelivery]
    /// When the next pending delivery is due, or nil.
    func nextDeliveryMillis() async throws(HubError) -> Int64?
    /// The outcome of one attempt: delivered (no error), or an error with the next attempt (nil: give up).
    func recordDeliveryAttempt(id: Int64, error: String?, nextAttemptMillis: Int64?, nowMillis: Int64)
        async throws(HubError)
    /// Sets a failed (given up) delivery of an alert of `centre` (any centre when nil) pending again, due now,
    /// with its audit line; its state is checked in the transaction that changes it (`retryable`).
    func retryDelivery(id: Int64, centre: CentreID?, by actor: String, address: String?, nowMillis: Int64)
        async throws(HubError)
    /// The e-mail addresses of the managers of a centre (directly or through its group).
    func managerAddresses(centre: CentreID) async throws(HubError) -> [String]
}

extension HubDatabase: CentreCareStore {}

extension HubDatabase {
    /// The changes as stored, checked one after the other against `rules` (the rules in force): the rules
    /// after them and each (name, value) in canonical form; a bad one throws `.invalid` naming it.
    static func normalisedRuleChanges(_ changes: [(name: String, value: String)], from rules: CentreAlertRules)
        throws(HubError) -> (rules: CentreAlertRules, stored: [(String, String)])
    {
        var rules = rules
        var normalised: [(String, String)] = []
        for change in changes {
            do { try rules.set(change.name, to: change.value) } catch { throw .invalid(error.message) }
            normalised.append((change.name, rules.value(of: change.name) ?? change.value))
        }
        return (rules, normalised)
    }

    /// The audit line of a change of rules.
    static func ruleChangeDetail(centre: CentreID, _ stored: [(String, String)]) -> String {
        "\(centre): " + stored.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
    }

    /// An acknowledgement's comment, trimmed, or the error naming what is wrong with it.
    static func validatedComment(_ comment: String) throws(HubError) -> String {
        let text = comment.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw .invalid("an acknowledgement needs a comment: say what is being done") }
        guard text.count <= 2000 else {
            throw .invalid("the comment is \(text.count) characters long; at most 2000 are kept")
        }
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && $0 != "\n" }) else {
            throw .invalid("the comment contains control characters")
        }
        return text
    }

    /// Refuses a retry unless the delivery (nil: none) is of an alert of `centre` (any when nil) and failed:
    /// another centre's is "no delivery", like a missing one; a delivered or pending one is a conflict.
    static func retryable(_ found: (centre: CentreID, state: DeliveryState)?, id: Int64, centre: CentreID?)
        throws(HubError)
    {
        guard let found, centre == nil || found.centre == centre else {
            throw .notFound("no delivery \(id)" + (centre.map { " at \($0)" } ?? ""))
        }
        switch found.state {
        case .failed: return
        case .delivered: throw .conflict("delivery \(id) was delivered: there is nothing to retry")
        case .pending:
            throw .conflict("delivery \(id) is still pending: the hub tries it again by itself, no retry is needed")
        }
    }

    /// The audit line of a retried delivery.
    static func retryAuditLine(centre: CentreID, id: Int64) -> PeopleAudit.Line {
        PeopleAudit.Line(action: "retry delivery", detail: "\(centre) delivery \(id)")
    }

    /// The alert as found (nil: none) once it is known to be acknowledgeable at `centre`: it exists there,
    /// is open and not yet acknowledged; else the error naming why.
    static func acknowledgeable(_ alert: StoredAlert?, id: Int64, centre: CentreID?) throws(HubError) -> StoredAlert {
        guard let alert, centre == nil || alert.centre == centre else {
            throw .notFound("no alert \(id)" + (centre.map { " at \($0)" } ?? ""))
        }
        guard alert.state.isOpen else { throw .conflict("alert \(id) has already resolved itself") }
        guard alert.state.acknowledgedMillis == nil else {
            throw .conflict("alert \(id) was already acknowledged by \(alert.state.acknowledgedBy ?? "someone")")
        }
        return alert
    }
}
