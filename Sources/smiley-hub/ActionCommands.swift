import ArgumentParser
import Foundation
import SmileyCore
import SmileyHub

struct ActionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "action", abstract: "Actions a centre took about its feedback, judged on the centre page.",
        discussion:
            "Example: smiley-hub action add paro-dcrc --date 2026-11-02 --hours 'Mon 09:00-12:00' 'A second counter opened on Monday mornings'",
        subcommands: [Add.self, List.self, Remove.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record an action for a centre.",
            discussion:
                "Example: smiley-hub action add paro-dcrc --date 2026-11-02 'A second counter opened on Monday mornings'"
        )
        @OptionGroup var store: StoreOptions
        @Argument(help: "The centre's id.") var centre: String
        @Option(help: "The day the action took effect, YYYY-MM-DD on the centre's calendar.") var date: String
        @Option(help: "The hours it is about, like opening hours: 'Mon 09:00-12:00' (default: every open hour).")
        var hours: String?
        @Argument(help: "What was done, in a sentence (at most 280 characters).") var text: String

        func run() async throws {
            guard let id = CentreID(rawValue: centre) else { throw ValidationError("'\(centre)' is not a centre id") }
            let day: LocalDate
            do { day = try LocalDate.parse(date) } catch { throw ValidationError("--date: \(error.description)") }
            try await refusing {
                let action = try await store.withStore { database in
                    try await database.addAction(
                        centre: id, date: day, text: text, target: hours, by: commandLineActor, address: nil,
                        nowMillis: nowMillis())
                }
                print("recorded action #\(action.id) for \(id) on \(action.date)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List a centre's actions: id, date, hours, who recorded it, text.",
            discussion: "Example: smiley-hub action list paro-dcrc")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The centre's id.") var centre: String

        func run() async throws {
            guard let id = CentreID(rawValue: centre) else { throw ValidationError("'\(centre)' is not a centre id") }
            try await refusing {
                try await store.withStore { database in
                    guard try await database.centre(id) != nil else {
                        throw HubError.notFound("unknown centre '\(id)'")
                    }
                    for action in try await database.actions(centre: id) {
                        let hours = action.target?.description ?? "all open hours"
                        print("\(action.id)\t\(action.date)\t\(hours)\t\(action.recordedBy)\t\(action.text)")
                    }
                }
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove an action recorded by mistake.",
            discussion: "Example: smiley-hub action remove paro-dcrc 3")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The centre's id.") var centre: String
        @Argument(help: "The action's number (from 'action list').") var id: Int64

        func run() async throws {
            guard let centreID = CentreID(rawValue: centre) else {
                throw ValidationError("'\(centre)' is not a centre id")
            }
            try await refusing {
                try await store.withStore { database in
                    try await database.removeAction(
                        id, centre: centreID, by: commandLineActor, address: nil, nowMillis: nowMillis())
                }
                print("removed action #\(id) of \(centreID)")
            }
        }
    }
}
