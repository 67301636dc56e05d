import Foundation
import GRDB
import SmileyCore
import Testing

@testable import SmileyHub

/// The evaluation compares an open alert's stored evidence as JSON (`AlertEvaluator.transition`): every
/// transition is the one `AlertTransition.next` gives on the decoded alert.
@Suite struct OpenAlertHeadTests {
    static func evidence(to millis: Int64, answers: Int = 0, index: Double? = nil) -> AlertEvidence {
        AlertEvidence(
            answers: answers, negative: 0, fromMillis: 1_000, toMillis: millis, firstPressMillis: nil,
            lastPressMillis: 900, index: index, summary: "paro-1 has sent no heartbeat")
    }

    static func head(_ state: AlertState, json: String? = nil) throws -> HubDatabase.OpenAlertHead {
        HubDatabase.OpenAlertHead(
            id: 7, centre: CentreID(rawValue: "paro-dcrc")!, kind: .deviceOffline, subject: "paro-1",
            openedMillis: state.openedMillis, acknowledgedMillis: state.acknowledgedMillis,
            acknowledgedBy: state.acknowledgedBy, comment: state.comment,
            evidenceJSON: try json ?? HubDatabase.json(state.evidence))
    }

    @Test func everyTransitionIsTheOneTheDecodedAlertGives() throws {
        let now: Int64 = 5_000_000
        var acknowledged = AlertState(openedMillis: 60_000, evidence: Self.evidence(to: 60_000, index: 41.25))
        acknowledged = AlertTransition.acknowledge(acknowledged, by: "pema", comment: "on it", nowMillis: 70_000)
        let plain = AlertState(openedMillis: 60_000, evidence: Self.evidence(to: 120_000, answers: 3))
        let findings: [AlertEvidence?] = [
            nil, plain.evidence, acknowledged.evidence, Self.evidence(to: now), Self.evidence(to: 60_000, index: 41.5),
        ]
        for state in [plain, acknowledged] {
            for finding in findings {
                let (transition, json) = try AlertEvaluator.transition(
                    open: try Self.head(state), finding: finding, nowMillis: now)
                let expected = AlertTransition.next(current: state, finding: finding, nowMillis: now)
                #expect(transition == expected, "\(state) \(String(describing: finding))")
                switch expected {
                case .update(let updated): #expect(json == (try HubDatabase.json(updated.evidence)))
                case .resolve: #expect(json == (try HubDatabase.json(state.evidence)))
                case .nothing: #expect(json == nil)
                case .open: Issue.record("an open alert was opened again")
                }
            }
        }
        // No open alert: as `next` says, with nothing encoded ahead.
        for finding in findings {
            let (transition, json) = try AlertEvaluator.transition(open: nil, finding: finding, nowMillis: now)
            #expect(transition == AlertTransition.next(current: nil, finding: finding, nowMillis: now))
            #expect(json == nil)
        }
    }

    @Test func equalEvidenceIsStoredAsEqualText() throws {
        let evidence = Self.evidence(to: 120_000, index: 41.25)
        let texts = try (0..<20).map { _ in try HubDatabase.json(evidence) }
        #expect(Set(texts).count == 1)
        #expect(try JSONDecoder().decode(AlertEvidence.self, from: Data(texts[0].utf8)) == evidence)
        // Evidence stored with its keys in another order (before they were sorted) is rewritten once, unchanged.
        let state = AlertState(openedMillis: 60_000, evidence: evidence)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(texts[0].utf8)) as? [String: Any])
        let reordered =
            "{"
            + object.keys.sorted(by: >).map { key in
                "\"\(key)\":"
                    + String(
                        decoding: try! JSONSerialization.data(withJSONObject: object[key]!, options: .fragmentsAllowed),
                        as: UTF8.self)
            }.joined(separator: ",") + "}"
        #expect(reordered != texts[0])
        let (transition, json) = try AlertEvaluator.transition(
            open: try Self.head(state, json: reordered), finding: evidence, nowMillis: 180_000)
        #expect(transition == .update(state))
        #expect(json == texts[0])
    }

    @Test func anAlertWhoseEvidenceDoesNotDecodeIsNotResolvedBlindly() throws {
        let state = AlertState(openedMillis: 60_000, evidence: Self.evidence(to: 60_000))
        let (transition, _) = try AlertEvaluator.transition(
            open: try Self.head(state, json: "{broken"), finding: nil, nowMillis: 120_000)
        #expect(transition == .nothing)
    }

    @Test func theHeadsListTheOpenAlertsOpenAlertsDecodes() throws {
        let database = try HubDatabase(writer: DatabaseQueue())
        let centre = CentreID(rawValue: "paro-dcrc")!
        try database.addCentre(Centre(id: centre, name: "Paro", timeZone: "Asia/Thimphu"))
        for (index, subject) in ["paro-1", "paro-2", "paro-3"].enumerated() {
            let state = AlertState(openedMillis: Int64(index) * 1_000, evidence: Self.evidence(to: Int64(index)))
            try database.apply(.open(state), centre: centre, kind: .deviceOffline, subject: subject)
        }
        var resolved = AlertState(openedMillis: 0, evidence: Self.evidence(to: 0))
        resolved.resolvedMillis = 5_000
        try database.apply(.resolve(resolved), centre: centre, kind: .deviceOffline, subject: "paro-1")
        let heads = try database.openAlertHeads()
        let open = try database.openAlerts(limit: Int.max)
        #expect(heads.map(\.id) == open.map(\.id))
        #expect(heads.map(\.subject) == ["paro-2", "paro-3"])
        for (head, alert) in zip(heads, open) {
            #expect(head.decodedState() == alert.state)
            #expect(head.kind == alert.kind && head.centre == alert.centre)
        }
    }
}
