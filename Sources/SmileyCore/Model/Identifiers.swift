/// Rules shared by every identifier that travels on the wire and names rows in storage.
enum IdentifierRules {
    static func isValid(_ text: String) -> Bool {
        guard (1...64).contains(text.utf8.count), let first = text.utf8.first else { return false }
        func allowed(_ byte: UInt8, first: Bool) -> Bool {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
            case UInt8(ascii: "-"), UInt8(ascii: "_"): !first
            default: false
            }
        }
        return allowed(first, first: true) && text.utf8.dropFirst().allSatisfy { allowed($0, first: false) }
    }
}

/// A short lowercase name for a thing (a centre, a device): validated once, then just a string.
public protocol SmileyIdentifier: RawRepresentable, Sendable, Hashable, Codable, Comparable, CustomStringConvertible
where RawValue == String {
    /// What the identifier names, for error messages ("centre", "device").
    static var kind: String { get }
    init(unchecked rawValue: String)
}

extension SmileyIdentifier {
    public init?(rawValue: String) {
        guard IdentifierRules.isValid(rawValue) else { return nil }
        self.init(unchecked: rawValue)
    }

    /// Parses an identifier, naming the rules when `text` breaks them.
    public static func parse(_ text: String) throws(ModelError) -> Self {
        guard let id = Self(rawValue: text) else { throw .invalidIdentifier(kind: kind, value: text) }
        return id
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { self = try Self.parse(text) } catch {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { rawValue }
}

/// A public service centre, for example `thimphu-dcrc`.
public struct CentreID: SmileyIdentifier {
    public static let kind = "centre"
    public let rawValue: String
    public init(unchecked rawValue: String) { self.rawValue = rawValue }
}

/// One Smiley appliance, for example `thimphu-exit-1`.
public struct DeviceID: SmileyIdentifier {
    public static let kind = "device"
    public let rawValue: String
    public init(unchecked rawValue: String) { self.rawValue = rawValue }
}
