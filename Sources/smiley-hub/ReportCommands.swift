import ArgumentParser
import Foundation
import Logging
import SmileyCore
import SmileyHub

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Reports for centre managers.",
        discussion: "Example: smiley-hub report weekly --centre paro-dcrc --output paro.html",
        subcommands: [Weekly.self, Send.self, Status.self])

    struct Weekly: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a centre's weekly report (HTML e-mail body and plain text).",
            discussion: """
                Without --week, the latest week whose report is due (its last opening hour is over, in the \
                centre's zone). Prints the subject and the plain text unless --output or --text-output is given.

                Example: smiley-hub report weekly --centre paro-dcrc --week 2026-11-16 --output paro.html
                """)
        @OptionGroup var store: StoreOptions
        @Option(help: "The centre's id.") var centre: String
        @Option(help: "Any day of the week to report, YYYY-MM-DD (weeks run Monday to Sunday).") var week: String?
        @Option(help: "Write the HTML e-mail body to this file.") var output: String?
        @Option(help: "Write the plain-text body to this file.") var textOutput: String?
        @Option(help: "Fewest presses for an hour to be ranked and a change to be judged.") var minimumCount = 5

        func run() async throws {
            let day: LocalDate?
            do { day = try week.map(LocalDate.parse) } catch { throw ValidationError("--week: \(error.description)") }
            try await refusing {
                let settings = ReportSettings(minimumCount: minimumCount)
                let mail = try await store.withStore { store in
                    let reader = CentreReader(store: store, clock: .system, settings: settings)
                    let chosen = try await reader.centre(centre)
                    let weekDay: LocalDate
                    if let day {
                        weekDay = day
                    } else {
                        weekDay = try await reader.weeklyReportSchedule(of: chosen).latestDueWeek(
                            nowMillis: nowMillis()
                        ).week.from
                    }
                    return try WeeklyReportMail(try await reader.weeklyReport(of: chosen, weekOf: weekDay))
                }
                do {
                    if let output { try mail.html.write(toFile: output, atomically: true, encoding: .utf8) }
                    if let textOutput { try mail.text.write(toFile: textOutput, atomically: true, encoding: .utf8) }
                } catch {
                    throw HubError.invalid("cannot write the report: \(error.localizedDescription)")
                }
                if output == nil && textOutput == nil {
                    print("Subject: \(mail.subject)\n")
                    print(mail.text)
                } else {
                    print("Subject: \(mail.subject)")
                }
            }
        }
    }

    struct Send: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Mail every centre's due weekly report now, as the running hub would (once per centre and week).",
            discussion: """
                One pass of the hub's weekly report sender: each centre's latest due week is queued, and every \
                queued report that is due is mailed to the centre's managers with an e-mail address. A week \
                already sent is not sent again; a failure is retried by a later pass. Needs --smtp-host. With \
                --database, refused while a hub of that database sends the weekly reports (it holds the lease \
                'weekly-reports'): its own passes send what is due.

                Example: smiley-hub report send --smtp-host mail.example.bt --smtp-from hub@example.bt \
                --smtp-user hub --smtp-password-file /etc/smiley-hub/smtp-password
                """)
        @OptionGroup var store: StoreOptions
        @OptionGroup var delivery: DeliveryOptions
        @Option(help: "Fewest presses for an hour to be ranked and a change to be judged.") var minimumCount = 5

        func run() async throws {
            let configuration = try delivery.configuration()
            let settings = ReportSettings(minimumCount: minimumCount)
            try await refusing {
                let tried = try await store.withStore(lease: "weekly-reports") { store, lease in
                    guard
                        let sender = WeeklyReportSender(
                            store: store, configuration: configuration ?? DeliveryConfiguration(), settings: settings,
                            logger: Logger(label: "smiley-hub.report"))
                    else { throw HubError.invalid("no SMTP server is configured: give --smtp-host and --smtp-from") }
                    guard let lease else { return try await sender.sendDue(nowMillis: nowMillis()) }
                    // On PostgreSQL, one process at a time sends: a serving hub's pass and this one never overlap.
                    guard let tried = try await lease.runIfFree({ try await sender.sendDue(nowMillis: nowMillis()) })
                    else {
                        throw HubError.conflict(
                            "a hub of this database sends the weekly reports (it holds the lease 'weekly-reports'): "
                                + "its next pass sends what is due; see smiley-hub report status --database")
                    }
                    return tried
                }
                if tried.isEmpty { print("No weekly report is due.") }
                for row in tried { print(Status.line(row)) }
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the weekly reports queued, sent and given up, newest week first.",
            discussion: "Example: smiley-hub report status --centre paro-dcrc")
        @OptionGroup var store: StoreOptions
        @Option(help: "Only this centre.") var centre: String?

        func run() async throws {
            try await refusing {
                let rows = try await store.withStore { store in
                    var chosen: CentreID?
                    if let centre {
                        chosen = try await CentreReader(store: store, clock: .system, settings: ReportSettings())
                            .centre(centre).id
                    }
                    return try await store.weeklyReportSendings(centre: chosen, limit: 100)
                }
                if rows.isEmpty { print("No weekly report has fallen due yet.") }
                for row in rows { print(Self.line(row)) }
            }
        }

        static func line(_ row: WeeklyReportSending) -> String {
            var line = "\(row.centre) week of \(row.weekFrom): "
            switch row.state {
            case .delivered: line += "sent to \(row.recipients ?? "")"
            case .pending: line += "pending (\(row.attempts) attempts)"
            case .failed: line += "given up after \(row.attempts) attempts"
            }
            if row.state != .delivered, let error = row.lastError { line += "; last error: \(error)" }
            return line
        }
    }
}
