import Foundation
import GRDB
import SmileyCore

/// What `/metrics` reads at each scrape: a hub on SQLite (`HubDatabase`) and a hub on PostgreSQL
/// (`PostgresPressStore`) each read the same figures through the read seam (`HubFigures.read`), then
/// what only their storage knows (the database's size; open alerts, held on SQLite).
public protocol HubFigureSource: Sendable {
    /// Every figure `/metrics` computes at scrape time, read at `nowMillis`.
    func figures(nowMillis: Int64) async throws -> HubFigures
}

extension HubFigures {
    /// The figures every backend reads alike through `CentreReadStore`: each centre open or closed now,
    /// each device's health from its heartbeat's summary (one read a centre, no heartbeat's JSON decoded),
    /// and the devices that spoke within the last hour.
    static func read(from store: any CentreReadStore, nowMillis: Int64) async throws -> HubFigures {
        var figures = HubFigures()
        for centre in try await store.centres() {
            let calendar = try await store.openingCalendar(centre: centre.id)
            let hour = CentreReader.bucketer(centre.timeZone).localHour(ofMillis: nowMillis)
            figures.centresOpen[centre.id] = calendar.isOpen(date: hour.date, hour: hour.hour)
            for health in try await store.deviceHealth(of: centre, nowMillis: nowMillis, calendar: calendar) {
                figures.devices.append(
                    HubFigures.DeviceFigures(
                        centre: centre.id, device: health.device,
                        heartbeatAgeSeconds: health.heartbeatReceivedMillis.map { Double(nowMillis - $0) / 1000 },
                        backlog: health.summary?.backlog,
                        openHoursSinceLastPress: health.openHoursSinceLastPress, offline: health.offline))
            }
        }
        figures.devicesSeenLastHour = try await store.devicesSeen(sinceMillis: nowMillis - 3_600_000)
        return figures
    }
}

extension HubDatabase: HubFigureSource {
    public func figures(nowMillis: Int64) async throws -> HubFigures {
        var figures = try await HubFigures.read(from: self, nowMillis: nowMillis)
        let counts = try storage {
            try writer.read { db -> (alerts: [String: Int], pages: Int64) in
                var alerts: [String: Int] = [:]
                for row in try Row.fetchAll(
                    db, sql: "SELECT kind, COUNT(*) AS n FROM alert WHERE resolved_millis IS NULL GROUP BY kind")
                {
                    alerts[row["kind"]] = row["n"]
                }
                let pageCount = try Int64.fetchOne(db, sql: "PRAGMA page_count") ?? 0
                let pageSize = try Int64.fetchOne(db, sql: "PRAGMA page_size") ?? 0
                return (alerts, pageCount * pageSize)
            }
        }
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

    public func devicesSeen(sinceMillis: Int64) async throws(HubError) -> Int {
        try storage {
            try writer.read { db in
                // `last_seen_millis` is also set when a device is added: only devices that spoke count.
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT COUNT(*) FROM device d WHERE d.last_seen_millis >= ?
                        AND (EXISTS (SELECT 1 FROM device_heartbeat h WHERE h.device_id = d.id)
                             OR EXISTS (SELECT 1 FROM press p WHERE p.device_id = d.id))
                        """, arguments: [sinceMillis]) ?? 0
            }
        }
    }
}
