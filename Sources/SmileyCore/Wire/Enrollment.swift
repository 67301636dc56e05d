/// `POST /api/v1/enroll`: a technician's device redeems a one-time enrollment code for its identity.
public struct EnrollmentRequest: Sendable, Hashable, Codable {
    public var code: String
    public var device: DeviceID
    /// The device's Ed25519 public key (base64 of 32 bytes): the hub checks its export files with it.
    public var publicKey: String?

    public init(code: String, device: DeviceID, publicKey: String? = nil) {
        self.code = code
        self.device = device
        self.publicKey = publicKey
    }
}

/// The hub's answer to a redeemed code: the device's centre and its secret token (sent once).
public struct EnrollmentGrant: Sendable, Hashable, Codable {
    public var device: DeviceID
    public var centre: CentreID
    public var token: String
    public var hubTimeMillis: Int64

    public init(device: DeviceID, centre: CentreID, token: String, hubTimeMillis: Int64) {
        self.device = device
        self.centre = centre
        self.token = token
        self.hubTimeMillis = hubTimeMillis
    }
}
