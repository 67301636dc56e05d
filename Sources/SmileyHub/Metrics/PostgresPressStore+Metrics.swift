import PostgresNIO
import SmileyCore

extension PostgresPressStore: HubFigureSource {
    /// The figures of the read seam, and the database's size (`pg_database_size`, as `main`: PostgreSQL has
    /// no write-ahead log of one database to report), and the open alerts by kind.
    public func figures(nowMillis: Int64) async throws -> HubFigures {
        var figures = try await HubFigures.read(from: self, nowMillis: nowMillis)
        figures.databaseBytes = try await read { connection in
            var bytes: Int64 = 0
            for try await size in try await connection.query(
                "SELECT pg_database_size(current_database())", logger: logger
            ).decode(Int64.self) {
                bytes = size
            }
            return bytes
        }
        figures.alertsOpen = try await read { connection in
            var alerts: [String: Int] = [:]
            for try await (kind, count) in try await connection.query(
                "SELECT kind, COUNT(*) FROM alert WHERE resolved_millis IS NULL GROUP BY kind", logger: logger
            ).decode((String, Int64).self) {
                alerts[kind] = Int(count)
            }
            return alerts
        }
        return figures
    }

    public func devicesSeen(sinceMillis: Int64) async throws(HubError) -> Int {
        try await read { connection in
            var count: Int64 = 0
            // `last_seen_millis` is also set when a device is added: only devices that spoke count.
            for try await value in try await connection.query(
                """
                SELECT COUNT(*) FROM device d WHERE d.last_seen_millis >= \(sinceMillis)
                AND (EXISTS (SELECT 1 FROM device_heartbeat h WHERE h.device_id = d.id)
                     OR EXISTS (SELECT 1 FROM press p WHERE p.device_id = d.id))
                """, logger: logger
            ).decode(Int64.self) {
                count = value
            }
            return Int(count)
        }
    }
}
