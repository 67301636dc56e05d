import Foundation
import GRDB
import SmileyCore

/// Something a centre did about its feedback ("a second counter opened on Monday mornings"), dated on the
/// centre's calendar, optionally about some hours only.
public struct CentreAction: Sendable, Hashable {
    public var id: Int64
    public var centre: CentreID
    public var date: LocalDate
    public var text: String
    /// The hours the action is about, for example "Mon 09:00-12:00" (nil: every open hour).
    public var target: OpeningHours?
    public var recordedBy: String
    public var recordedMillis: Int64
}

extension HubDatabase {
    /// The longest action text kept (a sentence or two, shown on the lobby screen).
    public static let maximumActionTextLength = 280

    static func registerActionMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("lobby: centre actions taken") { db in
            try db.execute(
                sql: """
                    CREATE TABLE centre_action (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        centre_id TEXT NOT NULL REFERENCES centre(id),
                        -- YYYY-MM-DD on the centre's calendar.
                        action_date TEXT NOT NULL CHECK (length(action_date) = 10),
                        text TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 280),
                        -- Opening-hours text of the hours the action is about, or NULL for all.
                        target TEXT,
                        recorded_by TEXT NOT NULL,
                        recorded_millis INTEGER NOT NULL
                    );
                    CREATE INDEX centre_action_by_date ON centre_action(centre_id, action_date);
                    """)
        }
    }

    /// Checks an action's words and hours; the error names what to fix.
    public static func validatedAction(text: String, target: String?) throws(HubError) -> (String, OpeningHours?) {
        let words = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !words.isEmpty else {
            throw .invalid("an action needs a description, for example \"second counter opened\"")
        }
        guard words.count <= maximumActionTextLength else {
            throw .invalid(
                "an action's description has at most \(maximumActionTextLength) characters (this one has \(words.count))"
            )
        }
        guard !words.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && $0 != "\n" }) else {
            throw .invalid("an action's description may not hold control characters")
        }
        let hoursText = target?.trimmingCharacters(in: .whitespaces) ?? ""
        guard !hoursText.isEmpty else { return (words, nil) }
        do { return (words, try OpeningHours.parse(hoursText)) } catch { throw .invalid(error.description) }
    }

    /// Records an action; the audit log says who did it.
    @discardableResult
    public func addAction(
        centre: CentreID, date: LocalDate, text: String, target: String?, by person: String, address: String? = nil,
        nowMillis: Int64
    ) throws(HubError) -> CentreAction {
        let (words, hours) = try Self.validatedAction(text: text, target: target)
        return try write { db in
            guard try Row.fetchOne(db, sql: "SELECT 1 FROM centre WHERE id = ?", arguments: [centre.rawValue]) != nil
            else { throw HubError.notFound("unknown centre '\(centre)'") }
            try db.execute(
                sql: """
                    INSERT INTO centre_action (centre_id, action_date, text, target, recorded_by, recorded_millis)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [centre.rawValue, date.description, words, hours?.description, person, nowMillis])
            let id = db.lastInsertedRowID
            try Self.audit(
                db, actor: person, action: "action added", detail: "\(centre) #\(id) \(date): \(words)",
                address: address, nowMillis: nowMillis)
            return CentreAction(
                id: id, centre: centre, date: date, text: words, target: hours, recordedBy: person,
                recordedMillis: nowMillis)
        }
    }

    /// The actions of a centre, oldest date first.
    public func actions(centre: CentreID) throws(HubError) -> [CentreAction] {
        try storage {
            try writer.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT id, action_date, text, target, recorded_by, recorded_millis FROM centre_action
                        WHERE centre_id = ? ORDER BY action_date, id
                        """, arguments: [centre.rawValue]
                ).compactMap { row -> CentreAction? in
                    guard let date = try? LocalDate.parse(row["action_date"]) else { return nil }
                    let target: String? = row["target"]
                    return CentreAction(
                        id: row["id"], centre: centre, date: date, text: row["text"],
                        target: target.flatMap { try? OpeningHours.parse($0) }, recordedBy: row["recorded_by"],
                        recordedMillis: row["recorded_millis"])
                }
            }
        }
    }

    /// Removes one action of a centre (an action id of another centre is "unknown", like a missing one).
    public func removeAction(
        _ id: Int64, centre: CentreID, by person: String, address: String? = nil, nowMillis: Int64
    ) throws(HubError) {
        try write { db in
            try db.execute(
                sql: "DELETE FROM centre_action WHERE id = ? AND centre_id = ?", arguments: [id, centre.rawValue])
            guard db.changesCount == 1 else { throw HubError.notFound("centre '\(centre)' has no action #\(id)") }
            try Self.audit(
                db, actor: person, action: "action removed", detail: "\(centre) #\(id)", address: address,
                nowMillis: nowMillis)
        }
    }

    /// The first local date the centre holds counted presses for, or nil.
    public func firstDataDate(centre: CentreID) throws(HubError) -> LocalDate? {
        try storage {
            try writer.read { db in
                try String.fetchOne(
                    db, sql: "SELECT MIN(local_hour) FROM hourly_rollup WHERE centre_id = ?",
                    arguments: [centre.rawValue]
                ).flatMap { Self.parseLocalHour($0)?.0 }
            }
        }
    }
}
