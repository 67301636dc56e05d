import GRDB
import SmileyCore

/// The hub's storage for devices and for reading: centres and their calendars, devices and their tokens,
/// every press once, heartbeats, and the hourly and daily rollups the heatmaps read (`CentreReadStore`).
///
/// Two backends hold it: `HubDatabase` (SQLite through GRDB, the embedded default) and
/// `PostgresPressStore` (PostgreSQL, for several hub processes on one database). Both decide what to
/// store with the same pure pieces (`IngestRules`, `BootClockPlan`, `PressRow`, `RollupDelta`), so a
/// batch gives the same receipt, placements and rollup on either.
public protocol PressStore: CentreReadStore {
    /// Brings the schema up to date; safe to call again, and (on PostgreSQL) from several hubs at once.
    func migrate() async throws(HubError)

    /// Adds a centre; its zone decides which local hour a press falls in. An existing id is a conflict.
    func addCentre(_ centre: Centre) async throws(HubError)
    /// Sets (or, with nil, clears) a centre's opening hours.
    func setOpeningHours(_ hours: OpeningHours?, centre: CentreID) async throws(HubError)
    /// Adds and removes holidays (whole days closed) of a centre.
    func updateHolidays(centre: CentreID, adding: [LocalDate], removing: [LocalDate]) async throws(HubError)

    /// Adds a device to a centre and returns its token (shown once; only its SHA-256 is kept).
    func addDevice(_ device: DeviceID, centre: CentreID, publicKey: String?, nowMillis: Int64) async throws(HubError)
        -> DeviceToken
    /// Every device with its press count and highest sequence, by id.
    func devices() async throws -> [DeviceSummary]
    /// Revokes a device's token: its requests are refused from now on; its presses stay.
    func revokeDevice(_ device: DeviceID, nowMillis: Int64) async throws(HubError)
    /// Sets the public key the hub checks a device's backlog files with (`smiley-hub device set-key`); a
    /// malformed key is refused by name, an unknown device is "no device", and nothing changes either way.
    func setSigningKey(_ device: DeviceID, publicKey: String) async throws(HubError)
    /// Whether a device's token was revoked and its signing key; nil for a device this hub does not know.
    func signingKey(of device: DeviceID) async throws(HubError) -> DeviceSigningKey?
    /// The device a bearer token belongs to (found by the token's hash); the error says why one is refused.
    func authenticate(token: String?, nowMillis: Int64) async throws(HubError) -> DeviceAuthentication

    /// Issues a one-time code that enrolls one device into `centre` until `expiresMillis`; only its hash is kept.
    func createEnrollmentCode(centre: CentreID, expiresMillis: Int64, nowMillis: Int64) async throws(HubError)
        -> String
    /// Redeems a code: adds the device to the code's centre and returns its token, in one transaction.
    /// A code adds one device, once, even when several hubs redeem it at the same moment; the same device
    /// may redeem it again (its reply was lost) until the code expires or its token is first used.
    func redeem(_ request: EnrollmentRequest, nowMillis: Int64) async throws(HubError) -> EnrollmentGrant

    /// Stores a batch whole or not at all and says what it did (accepted, duplicates, time-uncertain).
    func ingest(_ batch: IngestBatch, receivedMillis: Int64) async throws(HubError) -> IngestReceipt
    /// Stores a batch a device sent with its bearer token: refused as `authenticate` refuses the token, then
    /// when the body speaks for another device, then as `ingest` refuses the batch. On SQLite the token is
    /// looked up in the batch's transaction, committed with other requests' writes (`WriteGroup`).
    func ingest(_ batch: IngestBatch, token: String?, receivedMillis: Int64) async throws(HubError) -> IngestReceipt
    /// Records a heartbeat: its clock reading dates presses as a batch's would; the latest is kept.
    func recordHeartbeat(_ heartbeat: Heartbeat, receivedMillis: Int64) async throws(HubError)
    /// Records a heartbeat a device sent with its bearer token (refused as the batch of `ingest(_:token:…)`)
    /// and returns the device's status after it.
    func recordHeartbeat(_ heartbeat: Heartbeat, token: String?, receivedMillis: Int64) async throws(HubError)
        -> DeviceStatus
    /// What the hub holds of one device (`GET /api/v1/devices/{id}`), with the press at `sequence` if
    /// asked for; nil when there is no such device.
    func deviceStatus(_ device: DeviceID, nowMillis: Int64, sequence: Int64?) async throws -> DeviceStatus?

    /// Presses held in all (counted or not), of one device or of all.
    func pressCount(device: DeviceID?) async throws -> Int
    /// The stored placement of one press (`PressPlacement.status` and its time), for tests and diagnosis.
    func placement(device: DeviceID, sequence: Int64) async throws -> (status: String, millis: Int64?)?
}

extension HubDatabase: PressStore {
    /// Runs the migrations `init` ran already: nothing to do unless another process added some.
    public func migrate() throws(HubError) {
        try storage { try Self.migrator.migrate(writer) }
    }
}

extension PressStore {
    /// The token authenticated (and its first use marked), the body's device checked, then `ingest`.
    public func ingest(_ batch: IngestBatch, token: String?, receivedMillis: Int64) async throws(HubError)
        -> IngestReceipt
    {
        try await requireDevice(batch.device, token: token, nowMillis: receivedMillis)
        return try await ingest(batch, receivedMillis: receivedMillis)
    }

    /// The token authenticated, the body's device checked, then `recordHeartbeat` and `deviceStatus`.
    public func recordHeartbeat(_ heartbeat: Heartbeat, token: String?, receivedMillis: Int64) async throws(HubError)
        -> DeviceStatus
    {
        try await requireDevice(heartbeat.device, token: token, nowMillis: receivedMillis)
        try await recordHeartbeat(heartbeat, receivedMillis: receivedMillis)
        let status: DeviceStatus?
        do {
            status = try await deviceStatus(heartbeat.device, nowMillis: receivedMillis, sequence: nil)
        } catch {
            throw (error as? HubError) ?? .storage("\(error)")
        }
        guard let status else { throw .storage("device '\(heartbeat.device)' vanished") }
        return status
    }

    private func requireDevice(_ claimed: DeviceID, token: String?, nowMillis: Int64) async throws(HubError) {
        switch try await authenticate(token: token, nowMillis: nowMillis) {
        case .device(let device, _):
            guard claimed == device else {
                throw .forbidden("this token belongs to device '\(device)', not '\(claimed)'")
            }
        }
    }
}
