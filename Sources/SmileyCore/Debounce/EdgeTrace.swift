/// A recorded edge trace: one edge a line, `MONOTONIC_NANOS LINE_NAME LEVEL` (level 1 = pressed,
/// 0 = released, as the logical level after active-low is undone). Blank lines and lines starting
/// with `#` are ignored. `smiley-device replay` reads it; `smileyctl buttons record` will write it.
public struct EdgeTrace: Sendable, Hashable {
    public var edges: [Edge]

    public init(edges: [Edge]) { self.edges = edges }

    public enum ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        case malformed(line: Int, text: String)
        case unknownLine(line: Int, name: String, known: [String])
        case badLevel(line: Int, text: String)
        case timeGoesBack(line: Int)

        public var description: String {
            switch self {
            case .malformed(let line, let text):
                "trace line \(line): expected 'NANOSECONDS LINE_NAME LEVEL', got '\(text)'"
            case .unknownLine(let line, let name, let known):
                "trace line \(line): no button on line '\(name)' (configured: \(known.joined(separator: ", ")))"
            case .badLevel(let line, let text):
                "trace line \(line): level must be 0 or 1, got '\(text)'"
            case .timeGoesBack(let line):
                "trace line \(line): timestamp is earlier than the line before"
            }
        }
    }

    /// Parses a trace whose line names are those of `lineNames` (index = button).
    public static func parse(_ text: String, lineNames: [String]) throws(ParseError) -> EdgeTrace {
        var edges: [Edge] = []
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            if fields.isEmpty { continue }
            guard fields.count == 3, let nanos = Int64(fields[0]), nanos >= 0 else {
                throw .malformed(line: lineNumber, text: String(rawLine))
            }
            guard let button = lineNames.firstIndex(of: String(fields[1])) else {
                throw .unknownLine(line: lineNumber, name: String(fields[1]), known: lineNames)
            }
            guard fields[2] == "0" || fields[2] == "1" else {
                throw .badLevel(line: lineNumber, text: String(fields[2]))
            }
            if let last = edges.last, nanos < last.timestampNanos { throw .timeGoesBack(line: lineNumber) }
            edges.append(Edge(button: button, active: fields[2] == "1", timestampNanos: nanos))
        }
        return EdgeTrace(edges: edges)
    }

    /// Writes the trace in the same format.
    public func text(lineNames: [String]) -> String {
        edges.map { "\($0.timestampNanos) \(lineNames[$0.button]) \($0.active ? 1 : 0)\n" }.joined()
    }

    /// Feeds the trace through a debouncer, deciding every deadline in between and after the end,
    /// exactly as the event loop would.
    public func replay(buttons: [ButtonSpec], configuration: DebounceConfiguration) -> [DebounceOutput] {
        var debouncer = Debouncer(buttons: buttons, configuration: configuration)
        var outputs: [DebounceOutput] = []
        for edge in edges {
            while let deadline = debouncer.nextDeadline, deadline <= edge.timestampNanos {
                outputs += debouncer.advance(to: deadline)
            }
            outputs += debouncer.receive(edge)
        }
        while let deadline = debouncer.nextDeadline {
            outputs += debouncer.advance(to: deadline)
        }
        return outputs
    }
}
