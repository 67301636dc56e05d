import Foundation
import SmileyCore

/// What an alert's notification says, built from the stored alert: the webhook's JSON and the e-mail.
struct AlertNotification: Sendable {
    let alert: StoredAlert
    let centreName: String
    let event: String
    /// The hub's address as managers reach it, for a link to the centre page (nil: no link).
    let hubURL: String?

    var kindLabel: String { CentrePage.label(of: alert.kind) }

    var pageURL: String? {
        hubURL.map { ($0.hasSuffix("/") ? String($0.dropLast()) : $0) + "/centres/\(alert.centre.rawValue)" }
    }

    struct Payload: Encodable {
        struct Alert: Encodable {
            var id: Int64
            var centre: String
            var centreName: String
            var kind: String
            var subject: String
            var openedMillis: Int64
            var resolvedMillis: Int64?
            var summary: String
            var evidence: AlertEvidence
        }
        var event: String
        var delivery: Int64
        var alert: Alert
        var url: String?
    }

    /// The webhook body: stable key order, so a receiver may log and compare it byte for byte.
    func json(deliveryID: Int64) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(
            try encoder.encode(
                Payload(
                    event: event, delivery: deliveryID,
                    alert: .init(
                        id: alert.id, centre: alert.centre.rawValue, centreName: centreName, kind: alert.kind.rawValue,
                        subject: alert.subject, openedMillis: alert.state.openedMillis,
                        resolvedMillis: alert.state.resolvedMillis, summary: alert.state.evidence.summary,
                        evidence: alert.state.evidence),
                    url: pageURL)))
    }

    func mail(from: String, to: [String]) -> MailMessage {
        let opened = Self.utc(alert.state.openedMillis)
        var lines = [
            "\(kindLabel) at \(centreName) (\(alert.subject)):",
            "",
            alert.state.evidence.summary + ".",
            "",
            "Opened: \(opened)",
            "Window: \(Self.utc(alert.state.evidence.fromMillis)) to \(Self.utc(alert.state.evidence.toMillis))",
        ]
        if let first = alert.state.evidence.firstPressMillis, let last = alert.state.evidence.lastPressMillis {
            lines.append("Presses from \(Self.utc(first)) to \(Self.utc(last))")
        }
        if let url = pageURL { lines += ["", "Acknowledge it on the centre page: \(url)"] }
        lines += ["", "The alert resolves itself when the condition clears; it is not sent again while it is open."]
        return MailMessage(
            from: from, to: to, subject: "Smiley alert: \(kindLabel) at \(centreName) (\(alert.subject))",
            text: lines.joined(separator: "\n"))
    }

    static func utc(_ millis: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: Double(millis) / 1000))
    }
}
