import Foundation
import SmileyCore

/// `smiley-device replay`: what the debouncer makes of a recorded edge trace, as JSON lines.
public struct TraceReplay: Sendable {
    public let buttons: [ButtonConfiguration]
    public let debounce: DebounceSettings

    public init(
        buttons: [ButtonConfiguration] = ButtonConfiguration.defaultLayout, debounce: DebounceSettings = .init()
    ) {
        self.buttons = buttons
        self.debounce = debounce
    }

    /// One decision of the debouncer, as printed.
    public struct Line: Sendable, Hashable, Codable {
        public var event: String
        public var line: String
        public var question: String?
        public var answer: String?
        public var atNanos: Int64
        public var suppressed: Bool?
        public var chord: Bool?
        public var count: Int?
    }

    public func run(traceText: String) throws(EdgeTrace.ParseError) -> [Line] {
        let names = buttons.map(\.line)
        let trace = try EdgeTrace.parse(traceText, lineNames: names)
        let specs = ButtonConfiguration.specs(buttons)
        return trace.replay(buttons: specs, configuration: debounce.debouncerConfiguration).map { output in
            switch output {
            case .press(let press):
                let answer = buttons[press.button].answer
                return Line(
                    event: "press", line: names[press.button], question: answer.question.rawValue, answer: answer.name,
                    atNanos: press.pressedAtNanos, suppressed: press.suppressed, chord: press.chord)
            case .stuck(let button, let since):
                return Line(event: "stuck", line: names[button], atNanos: since)
            case .stuckCleared(let button, let at):
                return Line(event: "stuck-cleared", line: names[button], atNanos: at)
            case .eventsLost(let count, let at):
                return Line(event: "events-lost", line: "", atNanos: at, count: count)
            }
        }
    }

    public static func jsonLines(_ lines: [Line]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try lines.map { String(decoding: try encoder.encode($0), as: UTF8.self) + "\n" }.joined()
    }
}
