import Foundation
import GRDB
import SmileyCore

extension HubDatabase {
    /// An open alert as the evaluation compares it with a new finding: its key and state as columns, its
    /// evidence as stored (JSON), decoded only when the alert resolves.
    public struct OpenAlertHead: Sendable, Equatable {
        public var id: Int64
        public var centre: CentreID
        public var kind: AlertKind
        public var subject: String
        public var openedMillis: Int64
        public var acknowledgedMillis: Int64?
        public var acknowledgedBy: String?
        public var comment: String?
        public var evidenceJSON: String

        /// The stored state with `evidence` in place of the stored evidence.
        func state(evidence: AlertEvidence) -> AlertState {
            var state = AlertState(openedMillis: openedMillis, evidence: evidence)
            state.acknowledgedMillis = acknowledgedMillis
            state.acknowledgedBy = acknowledgedBy
            state.comment = comment
            return state
        }

        /// The stored state, its evidence decoded; nil when the evidence does not decode (`openAlerts`
        /// leaves such an alert out).
        func decodedState() -> AlertState? {
            guard let evidence = try? JSONDecoder().decode(AlertEvidence.self, from: Data(evidenceJSON.utf8))
            else { return nil }
            return state(evidence: evidence)
        }
    }

    /// Every open alert of every centre, oldest first, as `openAlerts` lists them but without decoding
    /// their evidence (with thousands of devices offline, decoding it was a tenth of each evaluation).
    public func openAlertHeads() throws(HubError) -> [OpenAlertHead] {
        try storage {
            try writer.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT id, centre_id, kind, subject, opened_millis, acknowledged_millis, acknowledged_by,
                               comment, evidence
                        FROM alert WHERE resolved_millis IS NULL ORDER BY opened_millis, id
                        """
                ).compactMap { row -> OpenAlertHead? in
                    guard let centre = CentreID(rawValue: row["centre_id"]), let kind = AlertKind(rawValue: row["kind"])
                    else { return nil }
                    return OpenAlertHead(
                        id: row["id"], centre: centre, kind: kind, subject: row["subject"],
                        openedMillis: row["opened_millis"], acknowledgedMillis: row["acknowledged_millis"],
                        acknowledgedBy: row["acknowledged_by"], comment: row["comment"], evidenceJSON: row["evidence"])
                }
            }
        }
    }
}
