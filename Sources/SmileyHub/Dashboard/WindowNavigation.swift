import Foundation
import SmileyCore

/// The window picker every page shows: links for the presets, a form for any dates.
struct WindowNavigation: Sendable {
    struct Link: Sendable {
        let label: String
        let href: String
        let current: Bool
    }

    struct Hidden: Sendable {
        let name: String
        let value: String
    }

    let windows: [Link]
    let hidden: [Hidden]
    let from: String
    let to: String
    /// "Last 4 weeks"
    let windowLabel: String
    /// "2026-11-02 to 2026-11-29"
    let windowDates: String
    let customCurrent: Bool
    /// A sentence after the window's dates.
    let note: String

    /// - Parameters:
    ///   - path: the page's path; `keep` are other query parameters the links carry along.
    init(path: String, choice: WindowChoice, window: DateWindow, keep: [(String, String)] = [], note: String = "") {
        let extra = keep.map { "&\($0.0)=\(Query.encode($0.1))" }.joined()
        self.windows = WindowPreset.allCases.map { preset in
            Link(
                label: preset.label, href: "\(path)?window=\(preset.rawValue)\(extra)", current: choice.preset == preset
            )
        }
        self.hidden = keep.map { Hidden(name: $0.0, value: $0.1) }
        self.from = window.from.description
        self.to = window.to.description
        self.windowLabel = choice.preset?.label ?? "Chosen dates"
        self.windowDates = window.description
        self.customCurrent = choice.preset == nil
        self.note = note
    }

    /// The query string that selects this window again (for links to other pages and exports).
    static func query(choice: WindowChoice) -> String {
        switch choice {
        case .preset(let preset): "window=\(preset.rawValue)"
        case .dates(let window): "from=\(window.from)&to=\(window.to)"
        }
    }
}

enum Query {
    /// Percent-encodes a query value (ids and dates need none, but nothing else is trusted).
    static func encode(_ value: String) -> String {
        var allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~".utf8)
        allowed.remove(UInt8(ascii: "&"))
        return value.utf8.map { allowed.contains($0) ? String(UnicodeScalar($0)) : String(format: "%%%02X", $0) }
            .joined()
    }
}
