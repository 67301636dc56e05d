import ArgumentParser
import Foundation
import Logging
import SmileyHub

/// Where a provisioning command keeps what it changes: the state directory's SQLite file, or, with
/// `--database postgres://…`, the PostgreSQL database hubs serve from (docs/postgresql.md).
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "Directory holding hub.sqlite (without --database).")
    var stateDirectory: String = "/var/lib/smiley-hub"
    @Option(
        help: ArgumentHelp(
            "Change the PostgreSQL database hubs serve from instead of hub.sqlite: postgres://USER@HOST[:PORT]/DATABASE or postgres://USER@/DATABASE?host=/SOCKET/DIRECTORY.",
            discussion: "The password comes from --database-password-file or PGPASSWORD, never from the URL."))
    var database: String?
    @Option(help: "File whose first line is the PostgreSQL password (with --database).")
    var databasePasswordFile: String?

    /// The SQLite hub, for what has no PostgreSQL side yet; `what` names it in the refusal.
    func sqlite(for what: String) throws -> HubDatabase {
        guard database == nil else {
            throw ValidationError("\(what) is not kept on PostgreSQL yet: leave out --database (docs/postgresql.md)")
        }
        return try HubDatabase(path: HubConfiguration(stateDirectory: stateDirectory).databasePath)
    }

    /// Runs `body` with the chosen store: the SQLite file, or a PostgreSQL pool (migrated first) that
    /// runs only while `body` does.
    func withStore<T: Sendable>(_ body: (any HubStore) async throws -> T) async throws -> T {
        try await withStore(lease: nil) { store, _ in try await body(store) }
    }

    /// `withStore`, with the periodic job `lease` of the hubs on PostgreSQL (`PeriodicWorkLease`) for a
    /// command that does that job's work beside them; nil on SQLite, or when `lease` is nil.
    func withStore<T: Sendable>(
        lease: String?, _ body: (any HubStore, PeriodicWorkLease?) async throws -> T
    ) async throws -> T {
        guard let database else {
            guard databasePasswordFile == nil else {
                throw ValidationError("--database-password-file goes with --database postgres://…")
            }
            return try await body(
                try HubDatabase(path: HubConfiguration(stateDirectory: stateDirectory).databasePath), nil)
        }
        let location: PostgresLocation
        let password: String?
        do {
            location = try PostgresLocation.parse(database)
            password = try PostgresLocation.password(
                file: databasePasswordFile, environment: ProcessInfo.processInfo.environment)
        } catch {
            throw ValidationError(error.description)
        }
        var logger = Logger(label: "smiley-hub.provision")
        logger.logLevel = .warning
        let work = try lease.map { name in
            PeriodicWorkLease(
                name: name, configuration: try location.connectionConfiguration(password: password), logger: logger)
        }
        return try await PostgresPressStore.with(location, password: password, logger: logger) { store in
            try await store.migrate()
            return try await body(store, work)
        }
    }
}
