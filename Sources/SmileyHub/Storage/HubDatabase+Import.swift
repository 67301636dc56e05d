import Crypto
import Foundation
import GRDB
import SmileyCore

extension HubDatabase {
    /// Checks an export file (known device, valid token, its signing key's signature over the very
    /// bytes of the payload) and ingests its presses in batches. Importing a file twice, or importing
    /// and later syncing, counts every press once. `progress` sees (presses done, total). Returns the
    /// summed receipt counts.
    public func importBacklog(
        _ data: Data, nowMillis: Int64, progress: (Int, Int) -> Void = { _, _ in }
    ) throws(HubError) -> (accepted: Int, duplicates: Int) {
        let file: ExportFile
        do { file = try JSONDecoder().decode(ExportFile.self, from: data) } catch {
            let top = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
            if let payload = top?["payload"] as? [String: Any], payload["format"] as? String == "smiley-export-v1" {
                throw .invalid(
                    "this is a smiley-export-v1 file, whose signature the hub's own data could forge: it is no longer accepted; export again with a current smileyctl"
                )
            }
            let reason = (error as? DecodingError)?.readableDescription ?? "\(error)"
            throw .invalid("not a Smiley export file: \(reason)")
        }
        guard file.format == ExportFile.format else {
            throw .invalid("export format '\(file.format)' is not \(ExportFile.format)")
        }
        let publicKey: Data? = try storage {
            guard
                let row = try writer.read({ db in
                    try Row.fetchOne(
                        db,
                        sql: """
                            SELECT t.revoked_millis, d.signing_public_key FROM device d
                            JOIN device_token t ON t.device_id = d.id WHERE d.id = ?
                            """, arguments: [file.device.rawValue])
                })
            else {
                throw HubError.unauthorized("the file is from device '\(file.device)', which this hub does not know")
            }
            if (row["revoked_millis"] as Int64?) != nil {
                throw HubError.unauthorized("the file is from device '\(file.device)', whose token was revoked")
            }
            return (row["signing_public_key"] as String?).flatMap { Data(base64Encoded: $0) }
        }
        guard let publicKey, let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else {
            throw .forbidden(
                "device '\(file.device)' has no signing key at this hub: set it with smiley-hub device set-key \(file.device) --public-key KEY (smileyctl signing-key prints it)"
            )
        }
        guard key.isValidSignature(file.signature, for: file.payload) else {
            throw .forbidden(
                "the file's signature does not match device '\(file.device)': it was altered or is not from it")
        }
        let payload: ExportFile.Payload
        do { payload = try JSONDecoder().decode(ExportFile.Payload.self, from: file.payload) } catch {
            let reason = (error as? DecodingError)?.readableDescription ?? "\(error)"
            throw .invalid("the signed payload is not a Smiley backlog: \(reason)")
        }
        guard payload.device == file.device else {
            throw .forbidden("the payload speaks for device '\(payload.device)', the file for '\(file.device)'")
        }
        // Batches of consecutive sequence numbers; the export's clock only counts if it was synchronised.
        var batches: [[Press]] = []
        for press in payload.presses {
            if let last = batches.last?.last, last.sequence + 1 == press.sequence,
                batches[batches.count - 1].count < 500
            {
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
