import Crypto
import Foundation
import GRDB
import SmileyCore

extension HubDatabase {
    /// Checks an export file (known device, valid token, untouched signature) and ingests its presses
    /// in batches. Importing a file twice, or importing and later syncing, counts every press once.
    /// `progress` sees (presses done, total). Returns the summed receipt counts.
    public func importBacklog(
        _ data: Data, nowMillis: Int64, progress: (Int, Int) -> Void = { _, _ in }
    ) throws(HubError) -> (accepted: Int, duplicates: Int) {
        let file: ExportFile
        do { file = try JSONDecoder().decode(ExportFile.self, from: data) } catch let error as DecodingError {
            throw .invalid("not a Smiley export file: \(error.readableDescription)")
        } catch {
            throw .invalid("not a Smiley export file: \(error)")
        }
        let payload = file.payload
        guard payload.format == ExportFile.format else {
            throw .invalid("export format '\(payload.format)' is not \(ExportFile.format)")
        }
        let key: String = try storage {
            guard
                let row = try writer.read({ db in
                    try Row.fetchOne(
                        db, sql: "SELECT token_sha256, revoked_millis FROM device_token WHERE device_id = ?",
                        arguments: [payload.device.rawValue])
                })
            else { throw HubError.unauthorized("the file is from device '\(payload.device)', which this hub does not know") }
            if (row["revoked_millis"] as Int64?) != nil {
                throw HubError.unauthorized("the file is from device '\(payload.device)', whose token was revoked")
            }
            return row["token_sha256"]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let payloadBytes = try storage { try encoder.encode(payload) }
        let expected = HMAC<SHA256>.authenticationCode(for: payloadBytes, using: SymmetricKey(data: Data(key.utf8)))
            .map { String(format: "%02x", $0) }.joined()
        guard expected == file.signature else {
            throw .forbidden("the file's signature does not match device '\(payload.device)': it was altered or is not from it")
        }
        // Batches of consecutive sequence numbers; the export's clock only counts if it was synchronised.
        var batches: [[Press]] = []
        for press in payload.presses {
            if let last = batches.last?.last, last.sequence + 1 == press.sequence, batches[batches.count - 1].count < 500 {
                batches[batches.count - 1].append(press)
            } else {
                batches.append([press])
            }
        }
        let clock = payload.clock.synchronised ? payload.clock : nil
        var accepted = 0
        var duplicates = 0
        var done = 0
        for presses in batches {
            let receipt = try ingest(
                IngestBatch(device: payload.device, centre: payload.centre, presses: presses, clock: clock),
                receivedMillis: nowMillis)
            accepted += receipt.accepted
            duplicates += receipt.duplicates
            done += presses.count
            progress(done, payload.presses.count)
        }
        return (accepted, duplicates)
    }
}
