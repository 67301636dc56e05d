/// A press the hub refused by name (a 4xx other than 408, 413 and 429, see docs/protocol.md): the
/// device keeps it, leaves it out of uploads so later presses can flow, and reports it.
public struct SetAsidePress: Sendable, Hashable, Codable {
    public var sequence: Int64
    /// The hub's HTTP status and message when it refused the press.
    public var status: Int
    public var message: String
    /// When the device set it aside (its wall clock).
    public var atMillis: Int64

    public init(sequence: Int64, status: Int, message: String, atMillis: Int64) {
        self.sequence = sequence
        self.status = status
        self.message = Self.printable(message)
        self.atMillis = atMillis
    }

    /// The hub's words made safe to print on a terminal: control characters become spaces, and the
    /// text is cut to `SetAsideReport.maximumMessageLength` characters.
    public static func printable(_ message: String) -> String {
        var text = ""
        for scalar in message.unicodeScalars {
            text.unicodeScalars.append(TerminalText.isControl(scalar) ? " " : scalar)
        }
        return String(text.prefix(SetAsideReport.maximumMessageLength))
    }
}

/// What a heartbeat says about set-aside presses: how many, and the latest few with the hub's words.
public struct SetAsideReport: Sendable, Hashable, Codable {
    /// At most this many presses are listed, and each message is cut to this many characters.
    public static let maximumListed = 10
    public static let maximumMessageLength = 300

    public var count: Int
    /// The most recently set aside, newest first, at most `maximumListed`.
    public var latest: [SetAsidePress]

    public init(count: Int, latest: [SetAsidePress]) {
        self.count = count
        self.latest = Array(latest.prefix(Self.maximumListed))
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let count = try container.decode(Int.self, forKey: .count)
        let latest = try container.decode([SetAsidePress].self, forKey: .latest)
        guard count >= 0, latest.count <= Self.maximumListed,
            latest.allSatisfy({ $0.message.count <= Self.maximumMessageLength })
        else {
            throw DecodingError.dataCorruptedError(
                forKey: .latest, in: container,
                debugDescription:
                    "a set-aside report lists at most \(Self.maximumListed) presses with messages of at most \(Self.maximumMessageLength) characters, and a count of zero or more"
            )
        }
        self.count = count
        self.latest = latest
    }
}
