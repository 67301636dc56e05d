import ArgumentParser
import Foundation
import SmileyCore
import SmileyHub

struct DisplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "display", abstract: "Addresses of the public results screen in a centre's lobby.",
        discussion:
            "Example: smiley-hub display create paro-dcrc --label 'entrance screen' --base-url https://hub.example.bt",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a display token for a centre and print the screen's and the poster's addresses once.",
            discussion: "Example: smiley-hub display create paro-dcrc --label 'entrance screen'")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The centre's id.") var centre: String
        @Option(help: "What the screen is, for the list (at most 80 characters).") var label = ""
        @Option(help: "The hub's address as the screen reaches it.") var baseURL = "http://127.0.0.1:8080"

        func run() async throws {
            guard let id = CentreID(rawValue: centre) else { throw ValidationError("'\(centre)' is not a centre id") }
            try await refusing {
                let created = try await store.withStore { store in
                    try await store.createDisplayToken(
                        centre: id, label: label, by: commandLineActor, nowMillis: nowMillis())
                }
                let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
                print("display #\(created.id) for \(id) (shown once; only its hash is kept):")
                print("screen: \(base)/display/\(created.token)")
                print("poster: \(base)/display/\(created.token)/poster")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List display tokens: id, centre, label, created, state.",
            discussion: "Example: smiley-hub display list paro-dcrc")
        @OptionGroup var store: StoreOptions
        @Argument(help: "Only this centre's.") var centre: String?

        func run() async throws {
            let id = try centre.map { text in
                guard let id = CentreID(rawValue: text) else { throw ValidationError("'\(text)' is not a centre id") }
                return id
            }
            try await refusing {
                let formatter = ISO8601DateFormatter()
                func when(_ millis: Int64) -> String {
                    formatter.string(from: Date(timeIntervalSince1970: Double(millis) / 1000))
                }
                for token in try await store.withStore({ store in try await store.displayTokens(centre: id) }) {
                    let state = token.revokedMillis.map { "revoked \(when($0))" } ?? "active"
                    print(
                        "\(token.id)\t\(token.centre)\t\(token.label)\tcreated \(when(token.createdMillis)) by \(token.createdBy)\t\(state)"
                    )
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Switch a display off: its address answers 410 Gone from the next reload.",
            discussion: "Example: smiley-hub display revoke 3")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The display's number (from 'display list').") var id: Int64

        func run() async throws {
            try await refusing {
                try await store.withStore { store in
                    try await store.revokeDisplayToken(id, by: commandLineActor, nowMillis: nowMillis())
                }
                print("revoked display #\(id)")
            }
        }
    }
}
