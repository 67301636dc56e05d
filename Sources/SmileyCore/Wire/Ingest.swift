/// What a device sends to `POST /api/v1/ingest`: some of its stored presses, oldest first, and a
/// reading of its clocks taken just before sending (the hub dates presses of unsynchronised boots
/// from it).
public struct IngestBatch: Sendable, Hashable, Codable {
    public var device: DeviceID
    public var centre: CentreID
    public var presses: [Press]
    public var clock: ClockSample?

    /// The most presses one batch may carry.
    public static let maximumPresses = 5_000

    public init(device: DeviceID, centre: CentreID, presses: [Press], clock: ClockSample? = nil) {
        self.device = device
        self.centre = centre
        self.presses = presses
        self.clock = clock
    }

    enum CodingKeys: String, CodingKey {
        case device, centre, presses, clock
    }

    /// The clock reading is required on the wire (`clock` is optional only for batches the hub builds
    /// itself, from an export file whose clock was not synchronised).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        device = try container.decode(DeviceID.self, forKey: .device)
        centre = try container.decode(CentreID.self, forKey: .centre)
        presses = try container.decode([Press].self, forKey: .presses)
        clock = try container.decode(ClockSample.self, forKey: .clock)
    }
}

/// The device's clocks at one moment: which boot, its monotonic clock, its wall clock, and whether
/// the kernel considered the wall clock synchronised.
public struct ClockSample: Sendable, Hashable, Codable {
    public var boot: String
    public var monotonicNanos: Int64
    public var wallClockMillis: Int64
    public var synchronised: Bool

    public init(boot: String, monotonicNanos: Int64, wallClockMillis: Int64, synchronised: Bool) {
        self.boot = boot
        self.monotonicNanos = monotonicNanos
        self.wallClockMillis = wallClockMillis
        self.synchronised = synchronised
    }

    enum CodingKeys: String, CodingKey {
        case boot, monotonicNanos, wallClockMillis, synchronised
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        boot = try container.decodeShortText(forKey: .boot)
        monotonicNanos = try container.decode(Int64.self, forKey: .monotonicNanos, in: WireLimits.monotonicNanos)
        wallClockMillis = try container.decode(Int64.self, forKey: .wallClockMillis, in: WireLimits.wallClockMillis)
        synchronised = try container.decode(Bool.self, forKey: .synchronised)
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
    /// The hub holds every press of this device from 1 up to this sequence number.
    public var highestContiguousSequence: Int64
    /// Presses of this batch stored without a trustworthy time (kept, not yet in the heatmaps).
    public var timeUncertain: Int
    /// The hub's wall clock when it answered, in milliseconds since 1970.
    public var hubTimeMillis: Int64

    public init(
        accepted: Int, duplicates: Int, highestSequence: Int64, highestContiguousSequence: Int64,
        timeUncertain: Int = 0, hubTimeMillis: Int64
    ) {
        self.accepted = accepted
        self.duplicates = duplicates
        self.highestSequence = highestSequence
        self.highestContiguousSequence = highestContiguousSequence
        self.timeUncertain = timeUncertain
        self.hubTimeMillis = hubTimeMillis
    }
}

/// `GET /api/v1/devices/{device}`: what the hub holds of one device. A device whose store was
/// replaced asks this before its first upload, and numbers its presses after what the hub holds.
public struct DeviceStatus: Sendable, Hashable, Codable {
    public var device: DeviceID
    public var centre: CentreID
    public var highestSequence: Int64
    public var highestContiguousSequence: Int64
    public var hubTimeMillis: Int64
    /// The press the hub holds at the sequence number asked about (`?sequence=N`), if any: lets a
    /// device tell its own presses (delivered by an import, say) from a replaced store's.
    public var pressAtSequence: PressFingerprint?

    public init(
        device: DeviceID, centre: CentreID, highestSequence: Int64, highestContiguousSequence: Int64,
        hubTimeMillis: Int64, pressAtSequence: PressFingerprint? = nil
    ) {
        self.device = device
        self.centre = centre
        self.highestSequence = highestSequence
        self.highestContiguousSequence = highestContiguousSequence
        self.hubTimeMillis = hubTimeMillis
        self.pressAtSequence = pressAtSequence
    }
}

/// What makes a press itself: its boot and kernel timestamp (two presses never share both).
public struct PressFingerprint: Sendable, Hashable, Codable {
    public var sequence: Int64
    public var boot: String
    public var monotonicNanos: Int64

    public init(sequence: Int64, boot: String, monotonicNanos: Int64) {
        self.sequence = sequence
        self.boot = boot
        self.monotonicNanos = monotonicNanos
    }

    public init(_ press: Press) {
        self.init(sequence: press.sequence, boot: press.boot, monotonicNanos: press.monotonicNanos)
    }
}
