import Foundation
import SmileyCore
import Testing

@Suite struct HourBucketerTests {
    @Test func bhutanIsSixHoursAheadOfUTC() throws {
        let bucketer = try HourBucketer(timeZoneIdentifier: "Asia/Thimphu")
        // 2026-11-04T21:10Z is Thursday 03:10 in Thimphu.
        let hour = bucketer.localHour(ofMillis: 1_793_826_600_000)
        #expect(hour == LocalHour(year: 2026, month: 11, day: 5, hour: 3, weekday: 4))
        #expect(hour.key == "2026-11-05T03")
    }

    @Test func weekdaysCountFromMondayAsOne() throws {
        let utc = try HourBucketer(timeZoneIdentifier: "UTC")
        // 2026-11-01 is a Sunday, 2026-11-02 a Monday.
        #expect(utc.localHour(ofMillis: 1_793_491_200_000).weekday == 7)
        #expect(utc.localHour(ofMillis: 1_793_577_600_000).weekday == 1)
    }

    @Test func daylightSavingZonesUseTheirLocalHour() throws {
        let london = try HourBucketer(timeZoneIdentifier: "Europe/London")
        // 2026-07-01T12:00Z is 13:00 British Summer Time; 2026-12-01T12:00Z is 12:00 GMT.
        #expect(london.localHour(ofMillis: 1_782_907_200_000).hour == 13)
        #expect(london.localHour(ofMillis: 1_796_126_400_000).hour == 12)
    }

    @Test func anUnknownZoneIsNamed() {
        #expect(throws: ModelError.unknownTimeZone("Mars/Olympus")) {
            try HourBucketer(timeZoneIdentifier: "Mars/Olympus")
        }
        #expect(ModelError.unknownTimeZone("Mars/Olympus").description.contains("Mars/Olympus"))
    }
}
