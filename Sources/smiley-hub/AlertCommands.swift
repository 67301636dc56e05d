import ArgumentParser
import Foundation
import SmileyCore
import SmileyHub

struct AlertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alert", abstract: "Alerts: their history, acknowledgements, each centre's rules and deliveries.",
        discussion: "Example: smiley-hub alert list --centre paro-dcrc",
        subcommands: [
            List.self, Acknowledge.self, Rules.self, SetRules.self, ResetRules.self, Deliveries.self, Retry.self,
        ])

    static func centre(_ text: String) throws -> CentreID {
        do { return try CentreID.parse(text) } catch { throw ValidationError(error.description) }
    }

    static func time(_ millis: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: Double(millis) / 1000))
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List alerts, newest first: open and resolved, with acknowledgements and deliveries.",
            discussion: "Example: smiley-hub alert list --centre paro-dcrc --limit 50")
        @OptionGroup var store: StoreOptions
        @Option(help: "Only this centre's alerts.") var centre: String?
        @Option(help: "How many alerts.") var limit = 20

        func run() async throws {
            let centreID = try centre.map(AlertCommand.centre)
            guard (1...10_000).contains(limit) else { throw ValidationError("--limit must be 1 to 10000") }
            try await refusing {
                try await store.withStore { database in
                    for alert in try await database.alertHistory(centre: centreID, limit: limit) {
                        let status =
                            alert.state.resolvedMillis.map { "resolved \(AlertCommand.time($0))" } ?? "OPEN"
                        print(
                            "\(alert.id)\t\(alert.centre)\t\(alert.kind.rawValue)\t\(alert.subject)\t"
                                + "opened \(AlertCommand.time(alert.state.openedMillis))\t\(status)")
                        print("\t\(TerminalText.neutralised(alert.state.evidence.summary))")
                        if let by = alert.state.acknowledgedBy, let at = alert.state.acknowledgedMillis {
                            print(
                                "\tacknowledged by \(TerminalText.neutralised(by)) at \(AlertCommand.time(at)): "
                                    + TerminalText.neutralised(alert.state.comment ?? ""))
                        }
                        for delivery in try await database.deliveries(alertID: alert.id) {
                            print("\t" + Deliveries.line(delivery))
                        }
                    }
                }
            }
        }
    }

    struct Acknowledge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Acknowledge an open alert with a comment; it still resolves itself when its condition clears.",
            discussion: #"Example: smiley-hub alert acknowledge 12 --comment "second counter opened""#)
        @OptionGroup var store: StoreOptions
        @Argument(help: "The alert's number (smiley-hub alert list).") var id: Int64
        @Option(help: "What is being done about it.") var comment: String

        func run() async throws {
            try await refusing {
                let alert = try await store.withStore { database in
                    try await database.acknowledgeAlert(
                        id: id, centre: nil, by: commandLineActor, comment: comment, nowMillis: nowMillis())
                }
                print("acknowledged alert \(alert.id) (\(alert.centre) \(alert.kind.rawValue) \(alert.subject))")
            }
        }
    }

    struct Rules: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a centre's alert rules (defaults unless changed) and what each setting means.",
            discussion: "Example: smiley-hub alert rules paro-dcrc")
        @OptionGroup var store: StoreOptions
        @Argument(help: "Centre id.") var centre: String

        func run() async throws {
            let centreID = try AlertCommand.centre(centre)
            try await refusing {
                let (rules, changes) = try await store.withStore { database in
                    guard try await database.centre(centreID) != nil else {
                        throw HubError.notFound("unknown centre '\(centre)'")
                    }
                    return (
                        try await database.alertRules(centre: centreID),
                        try await database.alertRuleChanges(centre: centreID)
                    )
                }
                let changed = Dictionary(changes.map { ($0.name, $0) }, uniquingKeysWith: { $1 })
                let meanings = Dictionary(
                    CentreAlertRules.settings.map { ($0.name, $0.meaning) }, uniquingKeysWith: { $1 })
                for (name, value) in rules.values {
                    var line = "\(name)=\(value)"
                    if let change = changed[name] {
                        line += "\t(set by \(change.changedBy) at \(AlertCommand.time(change.changedMillis)))"
                    }
                    if let meaning = meanings[name] { line += "\t\(meaning)" }
                    print(line)
                }
            }
        }
    }

    struct SetRules: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set", abstract: "Change settings of a centre's alert rules (all or none).",
            discussion: """
                Settings: \((CentreAlertRules.settings.map(\.name) + CentreAlertRules.switches).joined(separator: ", ")).
                Example: smiley-hub alert set paro-dcrc dip.minimum-answers=6 enabled.drift=no
                """)
        @OptionGroup var store: StoreOptions
        @Argument(help: "Centre id.") var centre: String
        @Argument(help: "name=value pairs.") var settings: [String]

        func run() async throws {
            let centreID = try AlertCommand.centre(centre)
            guard !settings.isEmpty else { throw ValidationError("give at least one name=value setting") }
            let changes = try settings.map { text -> (name: String, value: String) in
                guard let equals = text.firstIndex(of: "=") else {
                    throw ValidationError("'\(text)' is not name=value (for example dip.minimum-answers=6)")
                }
                return (String(text[..<equals]), String(text[text.index(after: equals)...]))
            }
            try await refusing {
                let rules = try await store.withStore { database in
                    try await database.setAlertRules(
                        changes, centre: centreID, by: commandLineActor, nowMillis: nowMillis())
                }
                for change in changes { print("\(centreID): \(change.name)=\(rules.value(of: change.name) ?? "")") }
            }
        }
    }

    struct ResetRules: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset", abstract: "Put a centre's alert rules back to the defaults.",
            discussion: "Example: smiley-hub alert reset paro-dcrc")
        @OptionGroup var store: StoreOptions
        @Argument(help: "Centre id.") var centre: String

        func run() async throws {
            let centreID = try AlertCommand.centre(centre)
            try await refusing {
                try await store.withStore { database in
                    try await database.resetAlertRules(centre: centreID, by: commandLineActor, nowMillis: nowMillis())
                }
                print("\(centreID): alert rules back to the defaults")
            }
        }
    }

    struct Deliveries: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List alert notifications by webhook and e-mail with their delivery state, newest first.",
            discussion: "Example: smiley-hub alert deliveries --centre paro-dcrc")
        @OptionGroup var store: StoreOptions
        @Option(help: "Only this centre's.") var centre: String?
        @Option(help: "How many.") var limit = 50

        static func line(_ delivery: AlertDelivery) -> String {
            var line =
                "delivery \(delivery.id)\talert \(delivery.alertID) \(delivery.event)\t\(delivery.channel)\t"
                + "\(delivery.state.rawValue) after \(delivery.attempts) attempt(s)"
            switch delivery.state {
            case .delivered: line += delivery.deliveredMillis.map { " at \(AlertCommand.time($0))" } ?? ""
            case .pending: line += ", next at \(AlertCommand.time(delivery.nextAttemptMillis))"
            case .failed: break
            }
            if let error = delivery.lastError, delivery.state != .delivered {
                line += "; last error: \(TerminalText.neutralised(error))"
            }
            return line
        }

        func run() async throws {
            let centreID = try centre.map(AlertCommand.centre)
            guard (1...10_000).contains(limit) else { throw ValidationError("--limit must be 1 to 10000") }
            try await refusing {
                for delivery in try await store.withStore({ try await $0.deliveries(centre: centreID, limit: limit) }) {
                    print(Self.line(delivery))
                }
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Try a failed delivery again (the running hub picks it up within a minute).",
            discussion:
                "Only a delivery that failed (given up) is retried; the audit log names who retried it. Example: smiley-hub alert retry 7"
        )
        @OptionGroup var store: StoreOptions
        @Argument(help: "The delivery's number (smiley-hub alert deliveries).") var id: Int64

        func run() async throws {
            try await refusing {
                try await store.withStore { database in
                    try await database.retryDelivery(
                        id: id, centre: nil, by: commandLineActor, address: nil, nowMillis: nowMillis())
                }
                print("delivery \(id) is pending again")
            }
        }
    }
}
