import GRDB
import SmileyCore

/// What a centre's windowed report needs from storage, read in one read transaction: its calendar,
/// each question's hour rows of the window (the heatmap and trend) and daily rows of the window before
/// (only its totals are compared with), and its count of presses held without a trustworthy time.
public struct CentreWindowRows: Sendable {
    public var calendar: OpeningCalendar
    public var hours: [Question: [HourCount]]
    public var previousDays: [Question: [DayCount]]
    public var uncertain: Int
}

extension HubDatabase {
    /// One read transaction for a centre's window: one snapshot, one trip for a reader connection.
    public func windowRows(centre: CentreID, questions: [Question], window: DateWindow) throws(HubError)
        -> CentreWindowRows
    {
        try storage {
            try writer.read { db in
                var hours: [Question: [HourCount]] = [:]
                var previousDays: [Question: [DayCount]] = [:]
                for question in questions {
                    hours[question] = try Self.hourCounts(
                        db, centre: centre, question: question, from: window.from, to: window.to)
                    previousDays[question] = try Self.dayCounts(
                        db, centre: centre, question: question, from: window.previous.from, to: window.previous.to)
                }
                return CentreWindowRows(
                    calendar: try Self.openingCalendar(db, centre: centre), hours: hours, previousDays: previousDays,
                    uncertain: try Self.uncertainCount(db, centre: centre))
            }
        }
    }

    static func uncertainCount(_ db: Database, centre: CentreID) throws -> Int {
        try Int.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT COUNT(*) FROM press p JOIN device d ON d.id = p.device_id
                    WHERE d.centre_id = ? AND p.time_status = 'uncertain'
                    """), arguments: [centre.rawValue]) ?? 0
    }
}
