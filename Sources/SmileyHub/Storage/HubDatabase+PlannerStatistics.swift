import GRDB

/// How the hub keeps SQLite's query planner statistics (`sqlite_stat1`), as SQLite recommends for a
/// long-lived connection: after migrations at open, then now and then while it runs
/// (`PlannerStatisticsService`), and once more before it stops. `analysis_limit` bounds every analysis
/// to about that many rows of each index, so it costs milliseconds at any size instead of a scan of
/// every press.
public enum PlannerStatistics {
    /// Rows of each index an analysis looks at (SQLite suggests 100 to 1000).
    public static let analysisLimit = 400

    /// What a refresh did.
    public struct Outcome: Sendable, Equatable {
        /// Tables that held rows but no statistics, analysed one by one.
        public var analysed: [String]
    }
}

extension HubDatabase {
    /// Brings the planner's statistics up to date on the writing connection: every table that holds
    /// rows but has no statistics yet is analysed (a new hub's tables once they fill, or every table
    /// of a hub kept before the statistics), then `PRAGMA optimize` re-analyses what SQLite judges out
    /// of date. `PRAGMA optimize` alone is not enough on SQLite 3.40: it looks only at tables whose
    /// statistics this connection used, so a table never analysed (the devices, say) stays without, and
    /// the planner then takes it for a million rows.
    @discardableResult
    public func refreshPlannerStatistics() throws(HubError) -> PlannerStatistics.Outcome {
        try storage {
            try writer.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA analysis_limit = \(PlannerStatistics.analysisLimit)")
                let missing = try Self.tablesWithoutStatistics(db)
                for table in missing {
                    try db.execute(sql: "ANALYZE \(table.quotedDatabaseIdentifier)")
                }
                try db.execute(sql: "PRAGMA optimize")
                return PlannerStatistics.Outcome(analysed: missing)
            }
        }
    }

    /// The tables that hold at least one row and have no row in `sqlite_stat1` (SQLite writes one for
    /// every non-empty table it analyses, with or without indexes).
    static func tablesWithoutStatistics(_ db: Database) throws -> [String] {
        // Asked of the schema itself, not of GRDB's cache: another connection may have created or dropped it.
        let held =
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_stat1')")
            ?? false
        let analysed: Set<String> =
            held ? Set(try String.fetchAll(db, sql: "SELECT DISTINCT tbl FROM sqlite_stat1")) : []
        let tables = try String.fetchAll(
            db, sql: "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        return try tables.filter { table in
            guard !analysed.contains(table) else { return false }
            return try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM \(table.quotedDatabaseIdentifier))") ?? false
        }
    }
}
