import Foundation

/// A device's backlog on a USB stick, for a site that stays offline for weeks: `smileyctl export`
/// writes it, `smiley-hub import` checks and ingests it.
///
/// `payload` holds the payload's JSON exactly as it was signed (base64 in the file), and `signature`
/// is the Ed25519 signature of those very bytes by the device's own signing key, whose public half
/// the hub holds. The hub checks the signature over the bytes it read, then decodes them: nothing is
/// re-encoded, and nothing the hub stores can make a valid signature.
public struct ExportFile: Sendable, Hashable, Codable {
    public static let format = "smiley-export-v2"

    public struct Payload: Sendable, Hashable, Codable {
        public var device: DeviceID
        public var centre: CentreID
        public var exportedAtMillis: Int64
        /// The device's clocks when exporting: used only when synchronised (an import happens later).
        public var clock: ClockSample
        public var presses: [Press]

        public init(device: DeviceID, centre: CentreID, exportedAtMillis: Int64, clock: ClockSample, presses: [Press]) {
            self.device = device
            self.centre = centre
            self.exportedAtMillis = exportedAtMillis
            self.clock = clock
            self.presses = presses
        }
    }

    public var format: String
    /// The device whose key signed the payload (the hub looks the key up before reading the payload).
    public var device: DeviceID
    /// The payload's JSON, exactly the bytes signed.
    public var payload: Data
    /// Ed25519 signature of `payload`.
    public var signature: Data

    public init(device: DeviceID, payload: Data, signature: Data) {
        self.format = Self.format
        self.device = device
        self.payload = payload
        self.signature = signature
    }
}
