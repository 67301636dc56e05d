import Foundation
import SmileyCore

/// What one batch adds to `hourly_rollup`, summed in memory so that each (device, question, answer,
/// local hour) row is written once per batch however many presses fall in it.
///
/// A press is counted under a key of small integers (the device's place in this delta, the question,
/// the answer's score, which is its place among the question's answers, and the local hour as hours
/// since 1970-01-01 local): hashing it costs no string work. The text keys are built once per row.
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

    /// Where a press is counted: one (device, question, answer, local hour).
    private struct Slot: Sendable, Hashable {
        /// The device's place in `devices`.
        var device: Int
        var question: Question
        /// The answer's score: its place among its question's answers, counting from 1.
        var score: Int
        /// The local date and hour as hours since 1970-01-01 00:00 local.
        var localHour: Int
    }

    /// A slot's sums and the text that names its row.
    private struct Tally: Sendable, Hashable {
        var answer: String
        var hourKey: String
        var change: Change
    }

    private var devices: [String] = []
    private var tallies: [Slot: Tally] = [:]

    var isEmpty: Bool { tallies.isEmpty }

    /// Counts one press of `answer` in `hour`.
    mutating func add(device: DeviceID, answer: Answer, hour: LocalHour, hourKey: String) {
        let deviceIndex: Int
        if let last = devices.indices.last, devices[last] == device.rawValue {
            deviceIndex = last
        } else if let known = devices.firstIndex(of: device.rawValue) {
            deviceIndex = known
        } else {
            devices.append(device.rawValue)
            deviceIndex = devices.count - 1
        }
        let day = hour.date.daysSinceEpoch
        let slot = Slot(
            device: deviceIndex, question: answer.question, score: answer.score, localHour: day * 24 + hour.hour)
        tallies[
            slot,
            default: Tally(
                answer: answer.name, hourKey: hourKey,
                change: Change(day: day, weekday: hour.weekday, hour: hour.hour, count: 0, scoreSum: 0))
        ].change.count += 1
        tallies[slot]!.change.scoreSum += answer.score
    }

    /// The rows to add, in key order (a stable write order: the same batch writes the same way).
    var rows: [(key: Key, change: Change)] { writes.rows }

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
    var centreRows: [(key: CentreKey, change: CentreChange)] { writes.centreRows }

    /// Both: the rows by device and the rows summed over devices, each in key order, built in one pass.
    /// Sorted by integers that order as the text keys do: the device's text (one device a batch), the
    /// answer's place in `answerOrder` (question, then answer name), the local hour as a number.
    var writes: (rows: [(key: Key, change: Change)], centreRows: [(key: CentreKey, change: CentreChange)]) {
        var entries = tallies.map { (slot: $0.key, tally: $0.value, order: Self.order($0.key)) }
        entries.sort { lhs, rhs in
            if lhs.slot.device != rhs.slot.device { return devices[lhs.slot.device] < devices[rhs.slot.device] }
            if lhs.order != rhs.order { return lhs.order < rhs.order }
            return lhs.slot.localHour < rhs.slot.localHour
        }
        var rows: [(key: Key, change: Change)] = []
        rows.reserveCapacity(entries.count)
        /// Centre rows by (answer order, local hour): one slot per answer and hour summed over devices.
        var summed: [Int: (key: CentreKey, change: CentreChange)] = [:]
        for (slot, tally, order) in entries {
            let question = slot.question.rawValue
            rows.append(
                (
                    key: Key(
                        device: devices[slot.device], question: question, answer: tally.answer,
                        localHour: tally.hourKey),
                    change: tally.change
                ))
            summed[
                slot.localHour &* 64 &+ order,
                default: (
                    key: CentreKey(
                        question: question, day: tally.change.day, hour: tally.change.hour, answer: tally.answer),
                    change: CentreChange(score: slot.score, count: 0)
                )
            ].change.count += tally.change.count
        }
        let centreRows = summed.values.sorted { $0.key < $1.key }
        return (rows, centreRows)
    }

    /// Every answer, ordered by question name then answer name (the order of the text keys).
    private static let answerOrder: [Answer] = Question.allCases.flatMap(\.answers).sorted {
        ($0.question.rawValue, $0.name) < ($1.question.rawValue, $1.name)
    }

    /// A slot's answer's place in `answerOrder`.
    private static func order(_ slot: Slot) -> Int {
        answerOrder.firstIndex { $0.question == slot.question && $0.score == slot.score } ?? answerOrder.count
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
    /// The quarter asked last and its hour: consecutive presses mostly share one.
    private var last: (quarter: Int64, hour: LocalHour, key: String)?

    init(bucketer: HourBucketer) {
        self.bucketer = bucketer
    }

    static let quarterHourMillis: Int64 = 900_000

    mutating func localHour(ofMillis millis: Int64) -> (hour: LocalHour, key: String) {
        let quarter = millis >= 0 ? millis / Self.quarterHourMillis : (millis + 1) / Self.quarterHourMillis - 1
        if let last, last.quarter == quarter { return (last.hour, last.key) }
        let entry: (hour: LocalHour, key: String)
        if let known = hours[quarter] {
            entry = known
        } else {
            let hour = bucketer.localHour(ofMillis: millis)
            entry = (hour: hour, key: hour.key)
            hours[quarter] = entry
        }
        last = (quarter, entry.hour, entry.key)
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

// MARK: What every storage backend decides the same way

/// The checks a batch passes before any backend touches storage: what a device may send, refused by
/// name (nothing is stored when one fails).
enum IngestRules {
    /// How far ahead of the hub's clock a synchronised press may claim to be before it is refused.
    static var futureToleranceMillis: Int64 { 24 * 3_600_000 }

    /// Size, order, device and plausible synchronised times, in that order.
    static func check(_ batch: IngestBatch, receivedMillis: Int64) throws(HubError) {
        guard batch.presses.count <= IngestBatch.maximumPresses else {
            throw .tooLarge(
                "a batch may carry at most \(IngestBatch.maximumPresses) presses, got \(batch.presses.count)")
        }
        for (index, press) in batch.presses.enumerated() {
            if index > 0 {
                let previous = batch.presses[index - 1].sequence
                guard press.sequence > previous else {
                    throw .unprocessable(
                        "presses[\(index)]: sequence \(press.sequence) after \(previous): a batch must be in increasing order"
                    )
                }
                guard press.sequence == previous + 1 else {
                    throw .unprocessable(
                        "presses[\(index)]: sequence \(press.sequence) after \(previous): a batch must not skip sequence numbers"
                    )
                }
            }
            guard press.device == batch.device else {
                throw .forbidden(
                    "presses[\(index)].device '\(press.device)' is not the batch's device '\(batch.device)'")
            }
            if press.clockSynchronised {
                try checkSynchronisedTime(
                    press.wallClockMillis, field: "presses[\(index)].wallClockMillis", receivedMillis)
            }
        }
        if let sample = batch.clock, sample.synchronised {
            try checkSynchronisedTime(sample.wallClockMillis, field: "clock.wallClockMillis", receivedMillis)
        }
    }

    /// A synchronised clock's reading must be a plausible date and not far ahead of the hub's clock:
    /// a clock that claims to be synchronised at 1970 (or 1938) is broken, and its date is refused.
    static func checkSynchronisedTime(_ millis: Int64, field: String, _ receivedMillis: Int64) throws(HubError) {
        guard WireLimits.plausibleMillis.contains(millis) else {
            let date = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(millis) / 1000))
            throw .unprocessable(
                "\(field) \(millis) (\(date)) is not a plausible time for a synchronised clock: expected 2000-01-01 to 2100-01-01"
            )
        }
        if millis > receivedMillis + futureToleranceMillis {
            throw .unprocessable(
                "\(field) \(millis) is more than a day ahead of the hub's clock (\(receivedMillis))")
        }
    }

    /// The refusal of a press that reuses a held sequence number with other content.
    static func conflict(index: Int, _ press: Press, of device: DeviceID) -> HubError {
        .conflict(
            "presses[\(index)]: sequence \(press.sequence) of device '\(device)' is already held with other content (a replaced store must resume after GET /api/v1/devices/\(device))"
        )
    }

    /// The device's "held without gaps up to" mark once the batch is held: past the whole batch when the
    /// batch reaches the mark; the caller then steps over whatever was held beyond, up to the first gap.
    static func contiguousAfter(_ batch: IngestBatch, held: Int64) -> Int64 {
        if let first = batch.presses.first?.sequence, let last = batch.presses.last?.sequence,
            first <= held + 1, last > held
        {
            return last
        }
        return held
    }
}

extension BootClockPlan {
    /// The boots a batch speaks of: its presses' and its clock reading's.
    static func boots(of batch: IngestBatch) -> Set<String> {
        var boots = Set(batch.presses.map(\.boot))
        if let sample = batch.clock { boots.insert(sample.boot) }
        return boots
    }

    /// Folds in what the batch reveals: each synchronised press, then its clock reading (synchronised,
    /// or the hub's own clock at receipt).
    mutating func offer(_ batch: IngestBatch, receivedMillis: Int64) {
        for press in batch.presses {
            if let offset = PressPlacement.offset(of: press) {
                offer(boot: press.boot, BootClockReading(offsetMillis: offset, source: .synchronised))
            }
        }
        if let sample = batch.clock,
            let offset = sample.synchronised
                ? PressPlacement.offset(ofSynchronised: sample)
                : PressPlacement.offset(of: sample, receivedAtHubMillis: receivedMillis)
        {
            offer(
                boot: sample.boot,
                BootClockReading(offsetMillis: offset, source: sample.synchronised ? .synchronised : .hubExchange))
        }
    }
}

/// A press of the batch as it is stored: where in time it is placed and in which local hour (none
/// while its boot's clock is unknown).
struct PressRow {
    var press: Press
    var placement: PressPlacement
    var hour: (hour: LocalHour, key: String)?

    init(_ press: Press, clocks: BootClockPlan, hours: inout LocalHourMemo) {
        self.press = press
        placement = PressPlacement.place(press, bootOffsetMillis: clocks.offset(of: press.boot))
        hour = placement.millis.map { hours.localHour(ofMillis: $0) }
    }
}

extension IngestTally {
    /// Counts a press stored for the first time: accepted, and into the rollup when it has an hour and
    /// is not suppressed; without an hour it is time-uncertain.
    mutating func countStored(_ row: PressRow, into rollup: inout RollupDelta) {
        accepted += 1
        if let hour = row.hour {
            if !row.press.suppressed {
                rollup.add(device: row.press.device, answer: row.press.answer, hour: hour.hour, hourKey: hour.key)
            }
        } else {
            uncertain.insert(row.press.sequence)
        }
    }

    /// Counts a press the hub held already (the caller checked it matches).
    mutating func countDuplicate(_ held: HeldPress, sequence: Int64) {
        duplicates += 1
        if held.timeStatus == PressPlacement.uncertain.status { uncertain.insert(sequence) }
    }

    func receipt(highest: Int64, contiguous: Int64, receivedMillis: Int64) -> IngestReceipt {
        IngestReceipt(
            accepted: accepted, duplicates: duplicates, highestSequence: highest,
            highestContiguousSequence: contiguous, timeUncertain: uncertain.count, hubTimeMillis: receivedMillis)
    }
}

/// A press as the hub holds it, to tell a harmless retry from a conflicting reuse of a sequence.
struct HeldPress: Sendable, Hashable {
    var boot: String
    var question: String
    var answer: String
    var monotonicNanos: Int64
    var wallClockMillis: Int64
    var clockSynchronised: Bool
    var suppressed: Bool
    /// `PressPlacement.status` as stored.
    var timeStatus: String

    func matches(_ press: Press) -> Bool {
        boot == press.boot && question == press.question.rawValue && answer == press.answer.name
            && monotonicNanos == press.monotonicNanos && wallClockMillis == press.wallClockMillis
            && clockSynchronised == press.clockSynchronised && suppressed == press.suppressed
    }
}

/// A press stored while its boot's clock was unknown, as read back to place it once it is known.
struct UncertainPress: Sendable, Hashable {
    var sequence: Int64
    var question: String
    var answer: String
    var monotonicNanos: Int64
    var suppressed: Bool

    /// Where it lands with the boot's offset, or nil when that placement overflows or is implausible
    /// (a row an older hub stored): it then stays uncertain.
    func placed(offsetMillis: Int64, hours: inout LocalHourMemo) -> (millis: Int64, hour: LocalHour, key: String)? {
        guard let millis = PressPlacement.correctedMillis(monotonicNanos: monotonicNanos, offsetMillis: offsetMillis)
        else { return nil }
        let hour = hours.localHour(ofMillis: millis)
        return (millis, hour.hour, hour.key)
    }

    /// Adds the press, now placed in `hour`, to the rollup unless it is suppressed.
    func count(device: DeviceID, hour: LocalHour, key: String, into rollup: inout RollupDelta) throws {
        guard !suppressed else { return }
        let answer = try Answer.parse(answer, of: Question.parse(question))
        rollup.add(device: device, answer: answer, hour: hour, hourKey: key)
    }
}
