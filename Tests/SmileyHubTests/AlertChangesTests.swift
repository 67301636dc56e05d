import Foundation
import GRDB
import SmileyCore
import Testing

@testable import SmileyHub

/// An evaluation's alert transitions stored a few hundred to a transaction: every one of them, each alert
/// with its deliveries, its id returned in order.
@Suite struct AlertChangesTests {
    static let centre = CentreID(rawValue: "paro-dcrc")!

    static func evidence(_ summary: String) -> AlertEvidence {
        AlertEvidence(
            answers: 0, negative: 0, fromMillis: 0, toMillis: 1, firstPressMillis: nil, lastPressMillis: nil,
            summary: summary)
    }

    @Test func moreTransitionsThanOneTransactionHoldsAreAllStoredInOrder() throws {
        let queue = try DatabaseQueue()
        let database = try HubDatabase(writer: queue)
        try database.addCentre(Centre(id: Self.centre, name: "Paro", timeZone: "Asia/Thimphu"))
        let count = 2 * HubDatabase.alertChangesPerTransaction + 7
        let opened = (0..<count).map { index in
            HubDatabase.AlertChange(
                centre: Self.centre, kind: .deviceOffline, subject: "paro-exit-\(index)",
                transition: .open(AlertState(openedMillis: 1_000, evidence: Self.evidence("offline \(index)"))))
        }
        let ids = try database.apply(opened, deliverTo: ["webhook"])
        #expect(ids.count == count && Set(ids).count == count)
        let open = try database.openAlerts(limit: Int.max)
        #expect(open.count == count)
        #expect(
            Dictionary(uniqueKeysWithValues: open.map { ($0.id, $0.subject) })
                == Dictionary(
                    uniqueKeysWithValues: zip(ids, opened.map(\.subject)).map { ($0, $1) }))
        let deliveries = try queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM alert_delivery") }
        #expect(deliveries == count)

        // Resolving them all: each id found again, none left open.
        var resolvedState = AlertState(openedMillis: 1_000, evidence: Self.evidence("back"))
        resolvedState.resolvedMillis = 2_000
        let resolved = opened.map { change in
            HubDatabase.AlertChange(
                centre: change.centre, kind: change.kind, subject: change.subject, transition: .resolve(resolvedState))
        }
        #expect(try database.apply(resolved) == ids)
        #expect(try database.openAlerts(limit: Int.max).isEmpty)
    }
}
