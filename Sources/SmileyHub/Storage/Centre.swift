import SmileyCore

/// A public service centre as the hub knows it.
public struct Centre: Sendable, Hashable, Codable {
    public var id: CentreID
    /// Name managers read, for example "Thimphu Dzongkhag Civil Registration".
    public var name: String
    /// IANA zone of the centre's wall clock, for example `Asia/Thimphu`.
    public var timeZone: String

    public init(id: CentreID, name: String, timeZone: String) {
        self.id = id
        self.name = name
        self.timeZone = timeZone
    }
}

/// A device the hub has heard from.
public struct DeviceSummary: Sendable, Hashable, Codable {
    public var id: DeviceID
    public var centre: CentreID
    public var firstSeenMillis: Int64
    public var lastSeenMillis: Int64
    public var presses: Int
    public var highestSequence: Int64
}
