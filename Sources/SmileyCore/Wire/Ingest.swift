/// What a device sends to `POST /api/v1/ingest`: some of its stored presses, oldest first.
public struct IngestBatch: Sendable, Hashable, Codable {
    public var device: DeviceID
    public var centre: CentreID
    public var presses: [Press]

    /// The most presses one batch may carry.
    public static let maximumPresses = 5_000

    public init(device: DeviceID, centre: CentreID, presses: [Press]) {
        self.device = device
        self.centre = centre
        self.presses = presses
    }
}

/// The hub's answer to a stored batch. Presses it already held count as duplicates, not errors.
public struct IngestReceipt: Sendable, Hashable, Codable {
    /// Presses of this batch stored for the first time.
    public var accepted: Int
    /// Presses of this batch the hub already held (a retry or a replay).
    public var duplicates: Int
    /// The highest sequence number the hub holds for this device.
    public var highestSequence: Int64
    /// The hub's wall clock when it answered, in milliseconds since 1970.
    public var hubTimeMillis: Int64

    public init(accepted: Int, duplicates: Int, highestSequence: Int64, hubTimeMillis: Int64) {
        self.accepted = accepted
        self.duplicates = duplicates
        self.highestSequence = highestSequence
        self.hubTimeMillis = hubTimeMillis
    }
}

/// `GET /api/v1/centres/{centre}/heatmap` body.
public struct HeatmapResponse: Sendable, Hashable, Codable {
    public var centre: CentreID
    public var question: Question
    public var timeZone: String
    public var cells: [HeatmapCell]

    public init(centre: CentreID, question: Question, timeZone: String, cells: [HeatmapCell]) {
        self.centre = centre
        self.question = question
        self.timeZone = timeZone
        self.cells = cells
    }
}
