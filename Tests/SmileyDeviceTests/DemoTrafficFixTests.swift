import Foundation
import SmileyCore
import SmileyDevice
import Testing

/// The demo's centres fix their problems on a given day: the pattern holds before it and not after.
@Suite struct DemoTrafficFixTests {
    func settings(_ json: String) throws -> SimulationSettings {
        try JSONDecoder().decode(SimulationSettings.self, from: Data(json.utf8))
    }

    /// Mean score of the Monday-morning (09-11) satisfaction answers before and from 2026-11-16.
    func mondayMornings(_ settings: SimulationSettings) throws -> (before: Double, after: Double) {
        let traffic = try DemoTraffic(settings: settings)
        let start = Date(timeIntervalSince1970: 1_793_491_200)  // Sunday 2026-11-01 00:00 UTC
        let bucketer = try HourBucketer(timeZoneIdentifier: "Asia/Thimphu")
        var before: [Int] = []
        var after: [Int] = []
        for visit in traffic.visits(from: start, to: start.addingTimeInterval(28 * 86_400))
        where visit.answer.question == .satisfaction {
            let hour = bucketer.localHour(ofMillis: visit.wallClockMillis)
            guard hour.weekday == 1, (9...11).contains(hour.hour) else { continue }
            if hour.date < (try LocalDate.parse("2026-11-16")) {
                before.append(visit.answer.score)
            } else {
                after.append(visit.answer.score)
            }
        }
        #expect(before.count > 20 && after.count > 20)
        return (
            Double(before.reduce(0, +)) / Double(before.count), Double(after.reduce(0, +)) / Double(after.count)
        )
    }

    @Test func mondayMorningsRecoverFromTheFixDate() throws {
        let fixed = try mondayMornings(
            settings(#"{"seed": 3, "mondayMorningMood": -1.6, "mondayMorningMoodUntil": "2026-11-16"}"#))
        #expect(fixed.after > fixed.before + 0.5, "\(fixed)")
        let never = try mondayMornings(settings(#"{"seed": 3, "mondayMorningMood": -1.6}"#))
        #expect(abs(never.after - never.before) < 0.4, "\(never)")
    }

    @Test func aBadFixDateIsRefusedByName() {
        #expect(throws: DecodingError.self) {
            try settings(#"{"accessibilityMoodUntil": "2026-13-01"}"#)
        }
    }
}
