import Foundation
import GRDB
import SmileyCore

extension HubDatabase {
    /// Every figure `/metrics` computes at scrape time, read at `nowMillis`.
    public func figures(nowMillis: Int64) async throws -> HubFigures {
        var figures = HubFigures()
        let reader = CentreReader(database: self, clock: .fixed(nowMillis), settings: ReportSettings())
        for centre in try await reader.centres() {
            let calendar = try openingCalendar(centre: centre.id)
            let hour = CentreReader.bucketer(centre.timeZone).localHour(ofMillis: nowMillis)
            figures.centresOpen[centre.id] = calendar.isOpen(date: hour.date, hour: hour.hour)
            // From the heartbeats' summaries: one read a centre, no heartbeat's JSON decoded a scrape.
            for health in try deviceHealth(of: centre, nowMillis: nowMillis, calendar: calendar) {
                figures.devices.append(
                    HubFigures.DeviceFigures(
                        centre: centre.id, device: health.device,
                        heartbeatAgeSeconds: health.heartbeatReceivedMillis.map { Double(nowMillis - $0) / 1000 },
                        backlog: health.summary?.backlog,
                        openHoursSinceLastPress: health.openHoursSinceLastPress, offline: health.offline))
            }
        }
        let counts = try storage {
            try writer.read { db -> (seen: Int, alerts: [String: Int], pages: Int64) in
                // `last_seen_millis` is also set when a device is added: only devices that spoke count.
                let seen =
                    try Int.fetchOne(
                        db,
                        sql: """
                            SELECT COUNT(*) FROM device d WHERE d.last_seen_millis >= ?
                            AND (EXISTS (SELECT 1 FROM device_heartbeat h WHERE h.device_id = d.id)
                                 OR EXISTS (SELECT 1 FROM press p WHERE p.device_id = d.id))
                            """, arguments: [nowMillis - 3_600_000]) ?? 0
                var alerts: [String: Int] = [:]
                for row in try Row.fetchAll(
                    db, sql: "SELECT kind, COUNT(*) AS n FROM alert WHERE resolved_millis IS NULL GROUP BY kind")
                {
                    alerts[row["kind"]] = row["n"]
                }
                let pageCount = try Int64.fetchOne(db, sql: "PRAGMA page_count") ?? 0
                let pageSize = try Int64.fetchOne(db, sql: "PRAGMA page_size") ?? 0
                return (seen, alerts, pageCount * pageSize)
            }
        }
        figures.devicesSeenLastHour = counts.seen
        figures.alertsOpen = counts.alerts
        figures.databaseBytes = counts.pages
        let path = writer.path
        if !path.isEmpty, path != ":memory:",
            let size = try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? NSNumber
        {
            figures.walBytes = size.int64Value
        }
        return figures
    }
}
