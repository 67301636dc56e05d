import Foundation

/// The Dzongkha words of the lobby screen and poster, read from one file (`Resources/dz.json`) that a
/// native speaker can correct without touching code.
public struct LobbyStrings: Sendable, Equatable {
    /// Monday first: the project's own names, not CLDR's.
    public let weekdays: [String]
    public let strings: [String: String]

    /// The keys the pages use; a file missing one is refused by name.
    static let requiredKeys = [
        "heading", "lastWeek", "satisfaction", "accessibility", "answers", "outOf100", "better", "worse", "same",
        "tooFew", "noAnswers", "actions", "noActions", "before", "after", "improved", "notYet", "thanks",
        "posterTitle",
    ]

    public subscript(key: String) -> String { strings[key] ?? "" }

    public init(data: Data, source: String) throws(HubError) {
        struct File: Decodable {
            var weekdays: [String]
            var strings: [String: String]
        }
        let file: File
        do { file = try JSONDecoder().decode(File.self, from: data) } catch {
            throw .invalid("\(source) is not the lobby strings file (JSON with 'weekdays' and 'strings'): \(error)")
        }
        guard file.weekdays.count == 7, file.weekdays.allSatisfy({ !$0.isEmpty }) else {
            throw .invalid("\(source): 'weekdays' must list seven names, Monday first")
        }
        let missing = Self.requiredKeys.filter { (file.strings[$0] ?? "").isEmpty }
        guard missing.isEmpty else {
            throw .invalid("\(source): 'strings' lacks \(missing.joined(separator: ", "))")
        }
        self.weekdays = file.weekdays
        self.strings = file.strings
    }

    /// Where the file is looked for when no path is configured: beside the executable (as SwiftPM copies
    /// it), the installed share directory, then the source tree (development and tests).
    public static func defaultPaths() -> [String] {
        let executable = Bundle.main.bundleURL
        return [
            executable.appendingPathComponent("smiley_SmileyHub.resources/dz.json").path,
            "/usr/share/smiley-hub/dz.json",
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("Resources/dz.json").path,
        ]
    }

    /// Reads the configured file, or the first default one that exists; the error names every place tried.
    public static func load(path: String? = nil) throws(HubError) -> LobbyStrings {
        let candidates = path.map { [$0] } ?? defaultPaths()
        for candidate in candidates {
            guard let data = FileManager.default.contents(atPath: candidate) else { continue }
            return try LobbyStrings(data: data, source: candidate)
        }
        throw .invalid(
            "cannot read the lobby's Dzongkha strings: looked for \(candidates.joined(separator: ", ")); "
                + "give the file with --lobby-strings")
    }

    /// A number in Tibetan digits (༠...༩), as the Dzongkha side of the screen writes it.
    public static func tibetanDigits(_ text: String) -> String {
        String(
            String.UnicodeScalarView(
                text.unicodeScalars.map { scalar in
                    guard ("0"..."9").contains(scalar) else { return scalar }
                    return Unicode.Scalar(0x0F20 + scalar.value - 0x30)!
                }))
    }
}
