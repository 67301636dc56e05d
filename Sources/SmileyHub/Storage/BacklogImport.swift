import Crypto
import Foundation
import SmileyCore

/// What the hub holds of a device to check its backlog files: whether its token was revoked, and its
/// signing key (base64 of an Ed25519 public key), if set.
public struct DeviceSigningKey: Sendable, Hashable {
    public var revoked: Bool
    public var publicKey: String?

    public init(revoked: Bool, publicKey: String?) {
        self.revoked = revoked
        self.publicKey = publicKey
    }
}

/// A backlog file (`smileyctl export`) checked against its device's signing key, as the batches to ingest.
/// The checks are pure; both backends run them and then ingest the batches through their own `ingest`, so
/// an import stores each press once and adds it to the rollups exactly as a sync over the network would.
public struct BacklogImport: Sendable {
    public var batches: [IngestBatch]
    public var pressCount: Int

    /// The file's envelope, read before any key is looked up.
    static func envelope(_ data: Data) throws(HubError) -> ExportFile {
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
        return file
    }

    /// The file's presses once its signature is checked with `key` (nil: the device is unknown), in batches
    /// of consecutive sequence numbers; the export's clock only counts if it was synchronised.
    static func checked(_ file: ExportFile, key: DeviceSigningKey?) throws(HubError) -> BacklogImport {
        guard let key else {
            throw .unauthorized("the file is from device '\(file.device)', which this hub does not know")
        }
        guard !key.revoked else {
            throw .unauthorized("the file is from device '\(file.device)', whose token was revoked")
        }
        guard let raw = key.publicKey.flatMap({ Data(base64Encoded: $0) }),
            let publicKey = try? Curve25519.Signing.PublicKey(rawRepresentation: raw)
        else {
            throw .forbidden(
                "device '\(file.device)' has no signing key at this hub: set it with smiley-hub device set-key \(file.device) --public-key KEY (smileyctl signing-key prints it)"
            )
        }
        guard publicKey.isValidSignature(file.signature, for: file.payload) else {
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
        var runs: [[Press]] = []
        for press in payload.presses {
            if let last = runs.last?.last, last.sequence + 1 == press.sequence, runs[runs.count - 1].count < 500 {
                runs[runs.count - 1].append(press)
            } else {
                runs.append([press])
            }
        }
        let clock = payload.clock.synchronised ? payload.clock : nil
        return BacklogImport(
            batches: runs.map {
                IngestBatch(device: payload.device, centre: payload.centre, presses: $0, clock: clock)
            },
            pressCount: payload.presses.count)
    }
}

extension PressStore {
    /// Checks an export file (known device, token not revoked, its signing key's signature over the very
    /// bytes of the payload) and ingests its presses batch by batch through `ingest`. Importing a file
    /// twice, or importing and later syncing, counts every press once. `progress` sees (presses done,
    /// total). Returns the summed receipt counts.
    public func importBacklog(
        file data: Data, nowMillis: Int64, progress: (Int, Int) -> Void = { _, _ in }
    ) async throws(HubError) -> (accepted: Int, duplicates: Int) {
        let file = try BacklogImport.envelope(data)
        let backlog = try BacklogImport.checked(file, key: try await signingKey(of: file.device))
        var accepted = 0
        var duplicates = 0
        var done = 0
        for batch in backlog.batches {
            let receipt = try await ingest(batch, receivedMillis: nowMillis)
            accepted += receipt.accepted
            duplicates += receipt.duplicates
            done += batch.presses.count
            progress(done, backlog.pressCount)
        }
        return (accepted, duplicates)
    }
}
