import SmileyCore

/// Evaluates every centre's alert rules at one instant and stores what changed: the dip rule per question,
/// and the device conditions from heartbeats (silent, offline, stuck line, storage warning). Driven by the
/// instant it is given, so tests move time instead of waiting.
public struct AlertEvaluator: Sendable {
    let database: HubDatabase
    let dip: DipRule

    public init(database: HubDatabase, dip: DipRule = DipRule()) {
        self.database = database
        self.dip = dip
    }

    /// One alert's condition now: nil when it does not hold.
    struct Finding {
        var kind: AlertKind
        var subject: String
        var evidence: AlertEvidence?
    }

    /// Evaluates every centre at `nowMillis`; returns the transitions carried out (not `.nothing`).
    @discardableResult
    public func evaluate(nowMillis: Int64) throws -> [(centre: CentreID, kind: AlertKind, transition: AlertTransition)]
    {
        var changes: [(CentreID, AlertKind, AlertTransition)] = []
        let reader = CentreReader(database: database, clock: .fixed(nowMillis), settings: ReportSettings())
        let open = try database.openAlerts()
        for centre in try reader.centres() {
            var findings: [Finding] = []
            for question in Question.allCases {
                let answers = try database.recentAnswers(
                    centre: centre.id, question: question, fromMillis: nowMillis - Int64(dip.windowMinutes) * 60_000,
                    toMillis: nowMillis)
                findings.append(
                    Finding(
                        kind: .dip, subject: question.rawValue,
                        evidence: dip.evaluate(question: question, answers: answers, nowMillis: nowMillis)))
            }
            for health in try reader.deviceHealth(of: centre) {
                findings += Self.deviceFindings(health, nowMillis: nowMillis)
            }
            // Open alerts whose rule found nothing this time are resolved too.
            let mine = open.filter { $0.centre == centre.id }
            for alert in mine where !findings.contains(where: { $0.kind == alert.kind && $0.subject == alert.subject })
            {
                findings.append(Finding(kind: alert.kind, subject: alert.subject, evidence: nil))
            }
            for finding in findings {
                let current = mine.first { $0.kind == finding.kind && $0.subject == finding.subject }?.state
                let transition = AlertTransition.next(current: current, finding: finding.evidence, nowMillis: nowMillis)
                guard transition != .nothing else { continue }
                try database.apply(transition, centre: centre.id, kind: finding.kind, subject: finding.subject)
                changes.append((centre.id, finding.kind, transition))
            }
        }
        return changes
    }

    static func deviceFindings(_ health: DeviceHealth, nowMillis: Int64) -> [Finding] {
        let device = health.device.rawValue
        func evidence(_ holds: Bool, _ summary: String) -> AlertEvidence? {
            guard holds else { return nil }
            return AlertEvidence(
                answers: 0, negative: 0, fromMillis: health.lastPressMillis ?? health.firstSeenMillis,
                toMillis: nowMillis,
                firstPressMillis: nil, lastPressMillis: health.lastPressMillis, summary: summary)
        }
        let stuck = health.heartbeat?.stuckLines ?? []
        let warning = health.heartbeat?.storageWarning
        return [
            Finding(
                kind: .silentDevice, subject: device,
                evidence: evidence(
                    health.silent,
                    "\(device) reports in but has had no press for \(health.openHoursSinceLastPress) opening hours")),
            Finding(
                kind: .deviceOffline, subject: device,
                evidence: evidence(
                    health.offline, "\(device) has sent no heartbeat for over 15 minutes of opening time")),
            Finding(
                kind: .stuckLine, subject: device,
                evidence: evidence(!stuck.isEmpty, "\(device) reports stuck lines: \(stuck.joined(separator: ", "))")),
            Finding(
                kind: .storageWarning, subject: device,
                evidence: evidence(warning != nil, "\(device): \(warning ?? "")")),
        ]
    }
}
