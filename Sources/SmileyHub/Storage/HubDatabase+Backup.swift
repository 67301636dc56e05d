import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What a backup holds, counted in the copy itself once it is complete.
public struct BackupSummary: Sendable, Equatable {
    public var centres: Int
    public var devices: Int
    public var presses: Int
    public var bytes: Int64
}

extension HubDatabase {
    /// Copies the whole database to `destination` while the hub keeps running: one consistent
    /// snapshot (SQLite's online backup inside a single read transaction, so writes that commit
    /// meanwhile are either wholly in the copy or wholly absent). The copy is written to
    /// `destination.partial` (created exclusively, mode 0600), checked with `PRAGMA integrity_check`,
    /// made a single self-contained file (rollback journal, not WAL), synced, and only then renamed to
    /// `destination`: an interrupted backup never leaves a file under the final name. An existing
    /// `destination` is refused, never overwritten.
    public func backup(to destination: String) throws(HubError) -> BackupSummary {
        let partial = destination + ".partial"
        guard !FileManager.default.fileExists(atPath: destination) else {
            throw .invalid("\(destination) already exists; choose another name or remove it first")
        }
        let descriptor = open(partial, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            if errno == EEXIST {
                throw .invalid(
                    "\(partial) exists: another backup is running, or one was interrupted (remove it and try again)")
            }
            throw .storage("cannot create \(partial): \(reason)")
        }
        close(descriptor)
        var keep = false
        defer {
            if !keep {
                for file in [partial, partial + "-journal", partial + "-wal", partial + "-shm"] {
                    unlink(file)
                }
            }
        }
        let summary = try storage { () throws -> BackupSummary in
            let copy = try DatabaseQueue(path: partial)
            try writer.backup(to: copy)
            let summary = try copy.writeWithoutTransaction { db -> BackupSummary in
                let check = try String.fetchAll(db, sql: "PRAGMA integrity_check")
                guard check == ["ok"] else {
                    throw HubError.storage(
                        "the copy failed its integrity check: \(check.prefix(3).joined(separator: "; "))")
                }
                try db.execute(sql: "PRAGMA journal_mode = DELETE")
                return BackupSummary(
                    centres: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM centre") ?? 0,
                    devices: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM device") ?? 0,
                    presses: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM press") ?? 0,
                    bytes: 0)
            }
            try copy.close()
            return summary
        }
        try Self.syncFile(partial)
        guard rename(partial, destination) == 0 else {
            throw .storage("cannot rename \(partial) to \(destination): \(String(cString: strerror(errno)))")
        }
        keep = true
        try Self.syncFile(
            (destination as NSString).deletingLastPathComponent.isEmpty
                ? "." : (destination as NSString).deletingLastPathComponent)
        var result = summary
        result.bytes =
            ((try? FileManager.default.attributesOfItem(atPath: destination)[.size]) as? NSNumber)?
            .int64Value ?? 0
        return result
    }

    /// fsync of a file or directory, so a backup reported done survives a power cut.
    static func syncFile(_ path: String) throws(HubError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .storage("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw .storage("cannot sync \(path): \(String(cString: strerror(errno)))") }
    }
}
