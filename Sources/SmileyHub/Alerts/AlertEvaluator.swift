import Foundation
import SmileyCore

/// Evaluates every centre's alert rules at one instant and stores what changed: the dip and drift rules per
/// question, and the device conditions from heartbeats (silent, offline, stuck line, storage warning, clock
/// unsynchronised). Each centre's own rules apply (`CentreAlertRules`, defaults unless changed). Driven by the
/// instant it is given, so tests move time instead of waiting. Reads and writes through the store protocols,
/// so it runs on SQLite (`HubDatabase`) and on PostgreSQL (`PostgresPressStore`) alike.
public struct AlertEvaluator: Sendable {
    let store: any CentreReadStore & CentreCareStore
    /// The delivery channels a newly opened alert is queued on (`DeliveryConfiguration.channels`).
    let channels: [String]

    public init(database: HubDatabase, channels: [String] = []) {
        self.init(store: database, channels: channels)
    }

    public init(store: any CentreReadStore & CentreCareStore, channels: [String] = []) {
        self.store = store
        self.channels = channels
    }

    /// One alert's condition now: nil when it does not hold.
    struct Finding {
        var kind: AlertKind
        var subject: String
        var evidence: AlertEvidence?
    }

    /// Which alert a finding is about: at most one is open per centre, kind and subject.
    struct AlertKey: Hashable {
        var kind: AlertKind
        var subject: String
    }

    /// One change carried out: the stored alert's id, and what happened to it.
    public struct Change: Sendable {
        public var alertID: Int64
        public var centre: CentreID
        public var kind: AlertKind
        public var subject: String
        public var transition: AlertTransition
    }

    /// Evaluates every centre at `nowMillis`; returns the transitions carried out (not `.nothing`).
    @discardableResult
    public func evaluate(nowMillis: Int64) async throws -> [Change] {
        var changes: [HubDatabase.AlertChange] = []
        let reader = CentreReader(store: store, care: store, clock: .fixed(nowMillis), settings: ReportSettings())
        // Every open alert: one left unread would be opened again (refused by the alert_open index). Their
        // evidence stays JSON: compared as encoded, decoded only for an alert that resolves.
        let open = try await store.openAlertHeads()
        for centre in try await reader.centres() {
            let rules = try await store.alertRules(centre: centre.id)
            var findings: [Finding] = []
            for question in Question.allCases {
                let answers = try await store.recentAnswers(
                    centre: centre.id, question: question,
                    fromMillis: nowMillis - Int64(rules.dip.windowMinutes) * 60_000, toMillis: nowMillis)
                findings.append(
                    Finding(
                        kind: .dip, subject: question.rawValue,
                        evidence: rules.dip.evaluate(question: question, answers: answers, nowMillis: nowMillis)))
                findings.append(
                    Finding(
                        kind: .drift, subject: question.rawValue,
                        evidence: try await drift(
                            centre: centre, question: question, rule: rules.drift, nowMillis: nowMillis)
                    ))
            }
            // One read for the centre: one a device was 10,000 pooled reads a minute at 10,000 devices.
            let unsynchronisedSince = try await store.clockUnsynchronisedSince(centre: centre.id)
            // From the heartbeats' summary columns: no device's heartbeat JSON decoded a minute.
            for health in try await store.deviceHealth(of: centre, nowMillis: nowMillis, calendar: nil) {
                findings += Self.deviceFindings(health, rules: rules, nowMillis: nowMillis)
                findings.append(
                    Finding(
                        kind: .clockUnsynchronised, subject: health.device.rawValue,
                        evidence: rules.clockFinding(
                            device: health.device.rawValue,
                            unsynchronisedSinceMillis: unsynchronisedSince[health.device],
                            nowMillis: nowMillis)))
            }
            // A kind switched off for the centre finds nothing: its open alerts resolve.
            for index in findings.indices where !rules.enabled(findings[index].kind) {
                findings[index].evidence = nil
            }
            // Open alerts whose rule found nothing this time are resolved too. Looked up by kind and
            // subject: with thousands of devices, four findings each, a scan per finding cost seconds.
            let mine = open.filter { $0.centre == centre.id }
            let found = Set(findings.map { AlertKey(kind: $0.kind, subject: $0.subject) })
            for alert in mine where !found.contains(AlertKey(kind: alert.kind, subject: alert.subject)) {
                findings.append(Finding(kind: alert.kind, subject: alert.subject, evidence: nil))
            }
            let openHeads = Dictionary(
                mine.map { (AlertKey(kind: $0.kind, subject: $0.subject), $0) },
                uniquingKeysWith: { first, _ in first })
            for finding in findings {
                let (transition, evidenceJSON) = try Self.transition(
                    open: openHeads[AlertKey(kind: finding.kind, subject: finding.subject)], finding: finding.evidence,
                    nowMillis: nowMillis)
                guard transition != .nothing else { continue }
                var change = HubDatabase.AlertChange(
                    centre: centre.id, kind: finding.kind, subject: finding.subject, transition: transition)
                change.evidenceJSON = evidenceJSON
                changes.append(change)
            }
        }
        // A few hundred transitions a commit: one apiece held the writer, and the devices' batches, for
        // seconds when thousands of devices changed state at once.
        let ids = try await store.apply(changes, deliverTo: channels)
        return zip(ids, changes).map { id, change in
            Change(
                alertID: id, centre: change.centre, kind: change.kind, subject: change.subject,
                transition: change.transition)
        }
    }

    /// `AlertTransition.next` for an open alert as stored (or none) and this evaluation's finding, with the
    /// new evidence's JSON when it was encoded: a finding whose evidence encodes to the stored JSON (keys
    /// sorted, `HubDatabase.json`) changes nothing, any other updates the alert, and the stored evidence is
    /// decoded only when the alert resolves (an alert whose evidence does not decode is left as it is, as when
    /// `openAlerts` left it out). Evidence stored before the keys were sorted is rewritten once, unchanged.
    static func transition(open head: HubDatabase.OpenAlertHead?, finding: AlertEvidence?, nowMillis: Int64) throws
        -> (AlertTransition, evidenceJSON: String?)
    {
        guard let head else { return (.next(current: nil, finding: finding, nowMillis: nowMillis), nil) }
        guard let finding else {
            guard let stored = head.decodedState() else { return (.nothing, nil) }
            return (.next(current: stored, finding: nil, nowMillis: nowMillis), head.evidenceJSON)
        }
        let json = try HubDatabase.json(finding)
        guard json != head.evidenceJSON else { return (.nothing, nil) }
        return (.update(head.state(evidence: finding)), json)
    }

    /// The drift rule on today's answers (the centre's local day up to now) against the centre's own history:
    /// the `rule.historyDays` days before today, each day one sample.
    func drift(centre: Centre, question: Question, rule: DriftRule, nowMillis: Int64) async throws -> AlertEvidence? {
        let bucketer = (try? HourBucketer(timeZoneIdentifier: centre.timeZone))
        guard let bucketer else { return nil }
        let today = bucketer.localHour(ofMillis: nowMillis).date
        let first = today.adding(days: -rule.historyDays)
        var days: [LocalDate: AnswerTally] = [:]
        for row in try await store.hourCounts(
            centre: centre.id, question: question, from: first, to: today, device: nil)
        {
            days[row.date, default: AnswerTally(question: question)].add(score: row.score, count: row.count)
        }
        let todayTally = days.removeValue(forKey: today) ?? AnswerTally(question: question)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: centre.timeZone) ?? .gmt
        let midnight = calendar.startOfDay(for: Date(timeIntervalSince1970: Double(nowMillis) / 1000))
        return rule.evaluate(
            today: todayTally, history: days.keys.sorted().compactMap { days[$0] },
            fromMillis: Int64(midnight.timeIntervalSince1970 * 1000), toMillis: nowMillis)
    }

    static func deviceFindings(_ health: DeviceHealth, rules: CentreAlertRules, nowMillis: Int64) -> [Finding] {
        let device = health.device.rawValue
        func evidence(_ holds: Bool, _ summary: String) -> AlertEvidence? {
            guard holds else { return nil }
            return AlertEvidence(
                answers: 0, negative: 0, fromMillis: health.lastPressMillis ?? health.firstSeenMillis,
                toMillis: nowMillis,
                firstPressMillis: nil, lastPressMillis: health.lastPressMillis, summary: summary)
        }
        let stuck = health.summary?.stuckLines ?? []
        let warning = health.summary?.storageWarning
        let reporting = health.heartbeatReceivedMillis.map { nowMillis - $0 <= DeviceHealth.offlineAfterMillis } == true
        let silent = !health.offline && reporting && health.openHoursSinceLastPress >= rules.silentAfterOpenHours
        return [
            Finding(
                kind: .silentDevice, subject: device,
                evidence: evidence(
                    silent,
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
