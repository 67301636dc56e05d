import SmileyCore

/// What one batch adds to `hourly_rollup`, summed in memory so that each (device, question, answer,
/// local hour) row is written once per batch however many presses fall in it.
struct RollupDelta: Sendable, Hashable {
    struct Key: Sendable, Hashable, Comparable {
        var device: String
        var question: String
        var answer: String
        /// `LocalHour.key`, for example `2026-11-02T09`.
        var localHour: String

        static func < (lhs: Key, rhs: Key) -> Bool {
            (lhs.device, lhs.question, lhs.answer, lhs.localHour)
                < (rhs.device, rhs.question, rhs.answer, rhs.localHour)
        }
    }

    struct Change: Sendable, Hashable {
        /// The local date, in days since 1970-01-01.
        var day: Int
        var weekday: Int
        var hour: Int
        var count: Int
        var scoreSum: Int
    }

    private(set) var changes: [Key: Change] = [:]

    var isEmpty: Bool { changes.isEmpty }

    /// Counts one press of `answer` in `hour`.
    mutating func add(device: DeviceID, answer: Answer, hour: LocalHour, hourKey: String) {
        let key = Key(
            device: device.rawValue, question: answer.question.rawValue, answer: answer.name, localHour: hourKey)
        changes[
            key,
            default: Change(
                day: hour.date.daysSinceEpoch, weekday: hour.weekday, hour: hour.hour, count: 0, scoreSum: 0)
        ].count += 1
        changes[key]!.scoreSum += answer.score
    }

    /// The rows to add, in key order (a stable write order: the same batch writes the same way).
    var rows: [(key: Key, change: Change)] {
        changes.sorted { $0.key < $1.key }.map { (key: $0.key, change: $0.value) }
    }

    /// A row of `centre_hour`: the same counts summed over the centre's devices, keyed the way the
    /// heatmap, the trend and the overview read them: question, local date (days since 1970-01-01),
    /// hour, answer.
    struct CentreKey: Sendable, Hashable, Comparable {
        var question: String
        var day: Int
        var hour: Int
        var answer: String

        static func < (lhs: CentreKey, rhs: CentreKey) -> Bool {
            (lhs.question, lhs.day, lhs.hour, lhs.answer) < (rhs.question, rhs.day, rhs.hour, rhs.answer)
        }
    }

    struct CentreChange: Sendable, Hashable {
        var score: Int
        var count: Int
    }

    /// The changes summed over devices, in key order.
    var centreRows: [(key: CentreKey, change: CentreChange)] {
        var summed: [CentreKey: CentreChange] = [:]
        for (key, change) in changes {
            let centreKey = CentreKey(question: key.question, day: change.day, hour: change.hour, answer: key.answer)
            summed[centreKey, default: CentreChange(score: change.scoreSum / change.count, count: 0)].count +=
                change.count
        }
        return summed.sorted { $0.key < $1.key }.map { (key: $0.key, change: $0.value) }
    }
}

/// What is known of one boot's clock: wall millis = monotonic millis + `offsetMillis`.
struct BootClockReading: Sendable, Hashable {
    enum Source: String, Sendable {
        case synchronised
        case hubExchange = "hub-exchange"
    }

    var offsetMillis: Int64
    var source: Source

    /// A synchronised clock beats the hub's estimate; among the hub's estimates the smallest (least
    /// delayed in transit) wins; a second synchronised reading does not replace the first.
    func isImproved(by candidate: BootClockReading) -> Bool {
        switch (source, candidate.source) {
        case (.hubExchange, .synchronised): true
        case (.hubExchange, .hubExchange): candidate.offsetMillis < offsetMillis
        case (.synchronised, _): false
        }
    }
}

/// The boot clocks one batch leaves behind: the readings held before it, improved by what the batch
/// reveals, in the order it reveals them. Only boots whose reading changed need a write.
struct BootClockPlan: Sendable, Hashable {
    private let held: [String: BootClockReading]
    private(set) var current: [String: BootClockReading]
    /// Boots the batch said something about (their uncertain presses are placed again).
    private(set) var touched: Set<String> = []

    init(held: [String: BootClockReading]) {
        self.held = held
        self.current = held
    }

    mutating func offer(boot: String, _ reading: BootClockReading) {
        touched.insert(boot)
        if let best = current[boot], !best.isImproved(by: reading) { return }
        current[boot] = reading
    }

    func offset(of boot: String) -> Int64? { current[boot]?.offsetMillis }

    /// Boots whose reading the batch changed, sorted, with whether a row was held before (update) or not (insert).
    var writes: [(boot: String, reading: BootClockReading, held: Bool)] {
        current.keys.sorted().compactMap { boot in
            let reading = current[boot]!
            guard held[boot] != reading else { return nil }
            return (boot: boot, reading: reading, held: held[boot] != nil)
        }
    }
}

/// `HourBucketer.localHour(ofMillis:)` remembered per quarter hour of UTC: a local hour starts and
/// ends on a quarter hour of UTC in every zone (offsets and their changes are whole quarter hours
/// since 1980), so all presses of one quarter hour fall in the same local hour, and a batch asks the
/// calendar once per quarter hour instead of once per press.
struct LocalHourMemo {
    let bucketer: HourBucketer
    private var hours: [Int64: (hour: LocalHour, key: String)] = [:]

    init(bucketer: HourBucketer) {
        self.bucketer = bucketer
    }

    static let quarterHourMillis: Int64 = 900_000

    mutating func localHour(ofMillis millis: Int64) -> (hour: LocalHour, key: String) {
        let quarter = millis >= 0 ? millis / Self.quarterHourMillis : (millis + 1) / Self.quarterHourMillis - 1
        if let known = hours[quarter] { return known }
        let hour = bucketer.localHour(ofMillis: millis)
        let entry = (hour: hour, key: hour.key)
        hours[quarter] = entry
        return entry
    }
}

/// The counts a receipt reports, from what the batch did.
struct IngestTally: Sendable, Hashable {
    var accepted = 0
    var duplicates = 0
    /// Sequences of this batch left without a trustworthy time (stored so now or held so before).
    var uncertain: Set<Int64> = []
}
