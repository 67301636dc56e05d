import Foundation
import SmileyCore

/// Plausible citizen traffic for the demo: busier mornings, a lunch dip, closed on Sundays, and
/// answers that sour a little when the centre is busiest. Deterministic for a given seed.
public struct DemoTraffic: Sendable {
    public struct Visit: Sendable, Hashable {
        public var wallClockMillis: Int64
        public var answer: Answer
    }

    public let settings: SimulationSettings
    let calendar: Calendar

    public init(settings: SimulationSettings) throws(ConfigurationError) {
        guard let zone = TimeZone(identifier: settings.timeZone) else {
            throw .invalidValue(key: "simulation.timeZone", value: settings.timeZone, reason: "unknown time zone")
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        self.settings = settings
        self.calendar = calendar
    }

    /// Relative footfall per opening hour (09:00 to 16:59), with the lunch dip at 12 and 13.
    static let hourWeights: [Int: Double] = [
        9: 0.8, 10: 1.0, 11: 0.95, 12: 0.35, 13: 0.45, 14: 0.75, 15: 0.65, 16: 0.4,
    ]

    /// Mean presses in an hour of weight 1.0.
    static let peakPressesPerHour = 6.0

    /// The visits from `start` up to `end`, in time order.
    public func visits(from start: Date, to end: Date) -> [Visit] {
        var generator = SplitMix64(seed: settings.seed)
        var visits: [Visit] = []
        var hourStart = calendar.dateInterval(of: .hour, for: start)?.start ?? start
        while hourStart < end {
            let parts = calendar.dateComponents([.weekday, .hour], from: hourStart)
            let saturday = parts.weekday == 7
            if isOpen(at: hourStart), let weight = Self.hourWeights[parts.hour!] {
                let mean = Self.peakPressesPerHour * weight * settings.busyness * (saturday ? 0.5 : 1)
                let count = generator.poisson(mean: mean)
                for _ in 0..<count {
                    let offset = generator.nextDouble() * 3600
                    let at = hourStart.addingTimeInterval(offset)
                    guard at >= start, at < end else { continue }
                    let millis = Int64((at.timeIntervalSince1970 * 1000).rounded())
                    let shift = moodShift(at: hourStart)
                    visits.append(
                        Visit(
                            wallClockMillis: millis,
                            answer: answer(.satisfaction, weight: weight, shift: shift, at: hourStart, &generator)))
                    // About two citizens in five also answer the accessibility panel.
                    if generator.nextDouble() < 0.4 {
                        visits.append(
                            Visit(
                                wallClockMillis: millis + 2_000 + Int64(generator.nextDouble() * 3000),
                                answer: answer(.accessibility, weight: weight, shift: shift, at: hourStart, &generator))
                        )
                    }
                }
            }
            hourStart = hourStart.addingTimeInterval(3600)
        }
        return visits.sorted { $0.wallClockMillis < $1.wallClockMillis }
    }

    /// Opening hours: Monday to Friday 09:00-16:59, Saturday 09:00-12:59, closed on Sunday.
    public func isOpen(at date: Date) -> Bool {
        let parts = calendar.dateComponents([.weekday, .hour], from: date)
        switch parts.weekday {
        case 1: return false
        case 7: return (9...12).contains(parts.hour!)
        default: return (9...16).contains(parts.hour!)
        }
    }

    /// One visit at `date`, for live traffic.
    public func answer(at date: Date, _ generator: inout SplitMix64, question: Question) -> Answer {
        let hour = calendar.component(.hour, from: date)
        return answer(
            question, weight: Self.hourWeights[hour] ?? 0.5, shift: moodShift(at: date), at: date, &generator)
    }

    /// Whether `date` falls before a local date (a fix the demo's centre made on that day).
    func isBefore(_ date: Date, _ day: LocalDate?) -> Bool {
        guard let day else { return true }
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return (parts.year!, parts.month!, parts.day!) < (day.year, day.month, day.day)
    }

    /// The extra mood of Monday mornings (09:00-11:59), a pattern for managers to find, until it is fixed.
    func moodShift(at date: Date) -> Double {
        let parts = calendar.dateComponents([.weekday, .hour], from: date)
        guard parts.weekday == 2, (9...11).contains(parts.hour!), isBefore(date, settings.mondayMorningMoodUntil)
        else { return 0 }
        return settings.mondayMorningMood
    }

    func answer(_ question: Question, weight: Double, shift: Double, at date: Date, _ generator: inout SplitMix64)
        -> Answer
    {
        // A score around the centre's mood, pulled down when the hour is busy (queues).
        let ownMood = isBefore(date, settings.accessibilityMoodUntil) ? settings.accessibilityMood : nil
        let mood = (question == .accessibility ? ownMood ?? settings.mood : settings.mood) + shift
        let mean = 0.62 + mood * 0.2 - (weight - 0.6) * 0.35
        let draw = min(0.999, max(0, mean + (generator.nextDouble() - 0.5) * 0.9))
        let answers = question.answers
        return answers[Int(draw * Double(answers.count))]
    }
}

/// Settings of a simulated device (demo and tests): see docs/device-config.md.
public struct SimulationSettings: Sendable, Hashable, Codable {
    /// Days of history replayed through the pipeline at start; 0 for none.
    public var historyDays: Int = 0
    /// Mean seconds between live presses after the history; 0 for none.
    public var liveMeanIntervalSeconds: Double = 0
    public var seed: UInt64 = 1
    /// The centre's zone: opening hours are local.
    public var timeZone: String = "Asia/Thimphu"
    /// Scales the footfall.
    public var busyness: Double = 1
    /// -1 (grumpy centre) ... 1 (cheerful centre).
    public var mood: Double = 0
    /// Added to the mood on Monday mornings (09:00-11:59): negative for a centre whose Mondays go wrong.
    public var mondayMorningMood: Double = 0
    /// From this local date on Monday mornings are ordinary (the demo's centre fixed them that day).
    public var mondayMorningMoodUntil: LocalDate?
    /// The accessibility panel's own mood (a building hard to reach); the centre's mood when absent.
    public var accessibilityMood: Double?
    /// From this local date on the accessibility panel has the centre's mood (the building was fixed).
    public var accessibilityMoodUntil: LocalDate?
    /// The device stops pressing this many hours before now and stays quiet (a broken button, for the demo).
    public var quietForHours: Double = 0
    /// A line the simulated device reports as stuck in its heartbeats (a jammed button, for the demo).
    public var stuckLine: String?

    public init(
        historyDays: Int = 0, liveMeanIntervalSeconds: Double = 0, seed: UInt64 = 1,
        timeZone: String = "Asia/Thimphu", busyness: Double = 1, mood: Double = 0
    ) {
        self.historyDays = historyDays
        self.liveMeanIntervalSeconds = liveMeanIntervalSeconds
        self.seed = seed
        self.timeZone = timeZone
        self.busyness = busyness
        self.mood = mood
    }

    enum CodingKeys: String, CodingKey {
        case historyDays, liveMeanIntervalSeconds, seed, timeZone, busyness, mood, mondayMorningMood, accessibilityMood
        case quietForHours, stuckLine, mondayMorningMoodUntil, accessibilityMoodUntil
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        historyDays = try container.decodeIfPresent(Int.self, forKey: .historyDays) ?? 0
        liveMeanIntervalSeconds = try container.decodeIfPresent(Double.self, forKey: .liveMeanIntervalSeconds) ?? 0
        seed = try container.decodeIfPresent(UInt64.self, forKey: .seed) ?? 1
        timeZone = try container.decodeIfPresent(String.self, forKey: .timeZone) ?? "Asia/Thimphu"
        busyness = try container.decodeIfPresent(Double.self, forKey: .busyness) ?? 1
        mood = try container.decodeIfPresent(Double.self, forKey: .mood) ?? 0
        mondayMorningMood = try container.decodeIfPresent(Double.self, forKey: .mondayMorningMood) ?? 0
        accessibilityMood = try container.decodeIfPresent(Double.self, forKey: .accessibilityMood)
        quietForHours = try container.decodeIfPresent(Double.self, forKey: .quietForHours) ?? 0
        stuckLine = try container.decodeIfPresent(String.self, forKey: .stuckLine)
        mondayMorningMoodUntil = try container.decodeIfPresent(LocalDate.self, forKey: .mondayMorningMoodUntil)
        accessibilityMoodUntil = try container.decodeIfPresent(LocalDate.self, forKey: .accessibilityMoodUntil)
        guard (0...8_784).contains(quietForHours) else {
            throw DecodingError.dataCorruptedError(
                forKey: .quietForHours, in: container,
                debugDescription: "expected 0 to 8784 hours, got \(quietForHours)")
        }
        guard (0...366).contains(historyDays) else {
            throw DecodingError.dataCorruptedError(
                forKey: .historyDays, in: container, debugDescription: "expected 0 to 366, got \(historyDays)")
        }
    }
}

extension SplitMix64 {
    /// Knuth's method; fine for the small means used here.
    mutating func poisson(mean: Double) -> Int {
        let limit = exp(-mean)
        var product = nextDouble()
        var count = 0
        while product > limit {
            count += 1
            product *= nextDouble()
        }
        return count
    }
}
