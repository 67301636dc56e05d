/// A device's backlog on a USB stick, for a site that stays offline for weeks: `smileyctl export`
/// writes it, `smiley-hub import` checks and ingests it. The signature is an HMAC-SHA256 over the
/// `payload`'s JSON (sorted keys), keyed with the SHA-256 of the device's token, so the hub (which
/// keeps only that hash) can tell the file came from that device and was not altered.
public struct ExportFile: Sendable, Hashable, Codable {
    public static let format = "smiley-export-v1"

    public struct Payload: Sendable, Hashable, Codable {
        public var format: String
        public var device: DeviceID
        public var centre: CentreID
        public var exportedAtMillis: Int64
        /// The device's clocks when exporting: used only when synchronised (an import happens later).
        public var clock: ClockSample
        public var presses: [Press]

        public init(device: DeviceID, centre: CentreID, exportedAtMillis: Int64, clock: ClockSample, presses: [Press]) {
            self.format = ExportFile.format
            self.device = device
            self.centre = centre
            self.exportedAtMillis = exportedAtMillis
            self.clock = clock
            self.presses = presses
        }
    }

    public var payload: Payload
    /// Lowercase hex HMAC-SHA256 of `payload`.
    public var signature: String

    public init(payload: Payload, signature: String) {
        self.payload = payload
        self.signature = signature
    }
}
