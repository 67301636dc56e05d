import Foundation
import GRDB
import SmileyCore

extension HubDatabase {
    /// Checks an export file (known device, valid token, its signing key's signature over the very
    /// bytes of the payload) and ingests its presses in batches (`BacklogImport`, the same checks and
    /// batches as `PressStore.importBacklog(file:…)`). Importing a file twice, or importing and later
    /// syncing, counts every press once. `progress` sees (presses done, total). Returns the summed
    /// receipt counts.
    public func importBacklog(
        _ data: Data, nowMillis: Int64, progress: (Int, Int) -> Void = { _, _ in }
    ) throws(HubError) -> (accepted: Int, duplicates: Int) {
        let file = try BacklogImport.envelope(data)
        let backlog = try BacklogImport.checked(file, key: try signingKey(of: file.device))
        var accepted = 0
        var duplicates = 0
        var done = 0
        for batch in backlog.batches {
            let receipt = try ingest(batch, receivedMillis: nowMillis)
            accepted += receipt.accepted
            duplicates += receipt.duplicates
            done += batch.presses.count
            progress(done, backlog.pressCount)
        }
        return (accepted, duplicates)
    }

    /// Whether a device's token was revoked and its signing key; nil for a device this hub does not know.
    public func signingKey(of device: DeviceID) throws(HubError) -> DeviceSigningKey? {
        try storage {
            try writer.read { db in
                try Row.fetchOne(
                    db,
                    sql: """
                        SELECT t.revoked_millis, d.signing_public_key FROM device d
                        JOIN device_token t ON t.device_id = d.id WHERE d.id = ?
                        """, arguments: [device.rawValue]
                ).map { row in
                    DeviceSigningKey(
                        revoked: (row["revoked_millis"] as Int64?) != nil, publicKey: row["signing_public_key"])
                }
            }
        }
    }
}
