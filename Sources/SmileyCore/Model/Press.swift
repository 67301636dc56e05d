/// One citizen's press of one face, as the device recorded it.
///
/// A press is identified by (device, sequence): the device never reuses a sequence number, so the hub
/// can store every press at most once whatever is retried or replayed.
public struct Press: Sendable, Hashable {
    public var device: DeviceID
    /// The kernel boot the press was taken in (`/proc/sys/kernel/random/boot_id`).
    public var boot: String
    /// Per-device number that never repeats, starting at 1.
    public var sequence: Int64
    public var answer: Answer
    /// The kernel's monotonic clock at the first edge of the press, in nanoseconds since that boot.
    public var monotonicNanos: Int64
    /// The device's wall clock at the press, in milliseconds since 1970-01-01T00:00:00Z.
    public var wallClockMillis: Int64
    /// Whether the device's clock was synchronised (to NTP or similar) when the press was taken.
    public var clockSynchronised: Bool
    /// A further press on the same panel within the response interval: kept, never counted.
    public var suppressed: Bool

    public var question: Question { answer.question }

    public init(
        device: DeviceID,
        boot: String,
        sequence: Int64,
        answer: Answer,
        monotonicNanos: Int64,
        wallClockMillis: Int64,
        clockSynchronised: Bool,
        suppressed: Bool = false
    ) {
        self.device = device
        self.boot = boot
        self.sequence = sequence
        self.answer = answer
        self.monotonicNanos = monotonicNanos
        self.wallClockMillis = wallClockMillis
        self.clockSynchronised = clockSynchronised
        self.suppressed = suppressed
    }
}

extension Press: Codable {
    enum CodingKeys: String, CodingKey {
        case device, boot, sequence, question, answer, monotonicNanos, wallClockMillis, clockSynchronised, suppressed
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        device = try container.decode(DeviceID.self, forKey: .device)
        boot = try container.decodeShortText(forKey: .boot)
        sequence = try container.decode(Int64.self, forKey: .sequence, in: WireLimits.sequences)
        let questionName = try container.decode(String.self, forKey: .question)
        let answerName = try container.decode(String.self, forKey: .answer)
        do {
            answer = try Answer.parse(answerName, of: Question.parse(questionName))
        } catch {
            let key: CodingKeys = Question(rawValue: questionName) == nil ? .question : .answer
            throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: error.description)
        }
        monotonicNanos = try container.decode(Int64.self, forKey: .monotonicNanos, in: WireLimits.monotonicNanos)
        wallClockMillis = try container.decode(Int64.self, forKey: .wallClockMillis, in: WireLimits.wallClockMillis)
        clockSynchronised = try container.decode(Bool.self, forKey: .clockSynchronised)
        suppressed = try container.decode(Bool.self, forKey: .suppressed)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(device, forKey: .device)
        try container.encode(boot, forKey: .boot)
        try container.encode(sequence, forKey: .sequence)
        try container.encode(answer.question.rawValue, forKey: .question)
        try container.encode(answer.name, forKey: .answer)
        try container.encode(monotonicNanos, forKey: .monotonicNanos)
        try container.encode(wallClockMillis, forKey: .wallClockMillis)
        try container.encode(clockSynchronised, forKey: .clockSynchronised)
        try container.encode(suppressed, forKey: .suppressed)
    }
}
