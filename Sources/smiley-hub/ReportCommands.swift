import ArgumentParser
import Foundation
import SmileyCore
import SmileyHub

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Reports for centre managers.",
        discussion: "Example: smiley-hub report weekly --centre paro-dcrc --output paro.html",
        subcommands: [Weekly.self])

    struct Weekly: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a centre's weekly report (HTML e-mail body and plain text).",
            discussion: """
                Without --week, the latest week whose report is due (its last opening hour is over, in the \
                centre's zone). Prints the subject and the plain text unless --output or --text-output is given.

                Example: smiley-hub report weekly --centre paro-dcrc --week 2026-11-16 --output paro.html
                """)
        @OptionGroup var state: StateOptions
        @Option(help: "The centre's id.") var centre: String
        @Option(help: "Any day of the week to report, YYYY-MM-DD (weeks run Monday to Sunday).") var week: String?
        @Option(help: "Write the HTML e-mail body to this file.") var output: String?
        @Option(help: "Write the plain-text body to this file.") var textOutput: String?
        @Option(help: "Fewest presses for an hour to be ranked and a change to be judged.") var minimumCount = 5

        func run() async throws {
            let day: LocalDate?
            do { day = try week.map(LocalDate.parse) } catch { throw ValidationError("--week: \(error.description)") }
            try await refusing {
                let reader = CentreReader(
                    database: try state.open(), clock: .system, settings: ReportSettings(minimumCount: minimumCount))
                let chosen = try reader.centre(centre)
                let weekDay =
                    try day ?? reader.weeklyReportSchedule(of: chosen).latestDueWeek(nowMillis: nowMillis()).week.from
                let mail = try WeeklyReportMail(try reader.weeklyReport(of: chosen, weekOf: weekDay))
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
}
