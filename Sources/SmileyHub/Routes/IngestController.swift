import Foundation
import Hummingbird
import NIOCore
import NIOFoundationCompat
import SmileyCore

/// `POST /api/v1/ingest`: devices deliver batches of presses here (see docs/protocol.md).
struct IngestController<Context: RequestContext>: Sendable {
    /// The device-facing storage: SQLite (`HubDatabase`) or PostgreSQL (`PostgresPressStore`).
    let database: any PressStore
    let clock: HubClock
    /// Told of every batch that added presses, for live pages; nil on PostgreSQL, where the batch's own
    /// transaction notifies every hub (`PressNotice`) and each hub's listener tells its feed.
    let feed: PressFeed?
    var enrollmentGate = EnrollmentGate()
    /// Counts batches by outcome and times them, for `/metrics`.
    var metrics: HubMetrics?
    /// Largest body accepted; a full batch of 5,000 presses is about 1.3 MB.
    static var maximumBodyBytes: Int { 4 << 20 }

    func addRoutes(to router: Router<Context>) {
        router.post("api/v1/ingest") { request, context in
            try await metrics.measureIngest { try await ingest(request, context: context) }
        }
        router.get("api/v1/devices/{device}", use: status)
        router.post("api/v1/heartbeat", use: heartbeat)
        router.post("api/v1/enroll", use: enroll)
    }

    /// Redeems a one-time enrollment code (no token yet: the code is the credential). Attempts are
    /// limited per client address; a refused one is told when to come back (429, `Retry-After`).
    @Sendable func enroll(_ request: Request, context: Context) async throws -> JSONResponse<EnrollmentGrant> {
        let client = (context as? HubRequestContext)?.remoteAddress ?? "unknown"
        if case .refuse(let retryAfter) = enrollmentGate.admit(client) {
            let seconds = max(1, Int((retryAfter / .seconds(1)).rounded(.up)))
            throw HTTPError(
                .tooManyRequests, headers: [.retryAfter: "\(seconds)"],
                message: "too many enrollment attempts from this address: retry in \(seconds) s")
        }
        let body = try await request.body.collect(upTo: 1 << 12)
        let enrollment: EnrollmentRequest
        do {
            enrollment = try JSONDecoder().decode(EnrollmentRequest.self, from: body)
        } catch let error as DecodingError {
            throw HTTPError(.badRequest, message: error.readableDescription)
        }
        do {
            return JSONResponse(
                value: try await database.redeem(enrollment, nowMillis: clock.nowMillis()))
        } catch {
            throw error.httpError
        }
    }

    @Sendable func heartbeat(_ request: Request, context: Context) async throws -> JSONResponse<DeviceStatus> {
        let token = try presentedToken(request)
        let body = try await request.body.collect(upTo: 1 << 16)
        let heartbeat: Heartbeat
        do {
            heartbeat = try JSONDecoder().decode(Heartbeat.self, from: body)
        } catch let error as DecodingError {
            _ = try await authenticatedDevice(request)
            throw HTTPError(.badRequest, message: error.readableDescription)
        }
        do {
            return JSONResponse(
                value: try await database.recordHeartbeat(heartbeat, token: token, receivedMillis: clock.nowMillis()))
        } catch {
            throw await refusal(error, token: token)
        }
    }

    /// The bearer token a request presents; 401 at once when it presents none (the token itself is checked
    /// with the request's write, or by `authenticatedDevice`).
    func presentedToken(_ request: Request) throws -> String {
        let header = request.headers[.authorization] ?? ""
        let token = header.hasPrefix("Bearer ") ? String(header.dropFirst("Bearer ".count)) : ""
        do {
            _ = try HubDatabase.tokenHash(token)
        } catch {
            throw error.httpError
        }
        return token
    }

    /// A refused device write as HTTP. A token refused by the write is refused first; any other refusal
    /// still marks the token used, as authenticating before the write did (`authenticate` says why not).
    func refusal(_ error: HubError, token: String) async -> HTTPError {
        if case .unauthorized = error { return error.httpError }
        _ = try? await database.authenticate(token: token, nowMillis: clock.nowMillis())
        return error.httpError
    }

    /// The device the request's bearer token belongs to; 401 with the reason otherwise.
    func authenticatedDevice(_ request: Request) async throws -> DeviceID {
        let header = request.headers[.authorization] ?? ""
        let token = header.hasPrefix("Bearer ") ? String(header.dropFirst("Bearer ".count)) : nil
        do {
            let authentication = try await database.authenticate(token: token, nowMillis: clock.nowMillis())
            switch authentication {
            case .device(let device, _): return device
            }
        } catch {
            throw error.httpError
        }
    }

    /// Refuses a body that speaks for another device than the token's.
    func requireSameDevice(_ claimed: DeviceID, _ authenticated: DeviceID) throws {
        guard claimed == authenticated else {
            throw HTTPError(
                .forbidden, message: "this token belongs to device '\(authenticated)', not '\(claimed)'")
        }
    }

    @Sendable func status(_ request: Request, context: Context) async throws -> JSONResponse<DeviceStatus> {
        let device = try await authenticatedDevice(request)
        let text = context.parameters.get("device") ?? ""
        try requireSameDevice(DeviceID(rawValue: text) ?? device, device)
        guard DeviceID(rawValue: text) != nil,
            let status = try await database.deviceStatus(
                device, nowMillis: clock.nowMillis(),
                sequence: request.uri.queryParameters.get("sequence").flatMap { Int64($0) })
        else {
            throw HTTPError(.notFound, message: "no device '\(text)'")
        }
        return JSONResponse(value: status)
    }

    @Sendable func ingest(_ request: Request, context: Context) async throws -> JSONResponse<IngestReceipt> {
        let token = try presentedToken(request)
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: Self.maximumBodyBytes)
        } catch is NIOTooManyBytesError {
            _ = try await authenticatedDevice(request)
            throw HTTPError(.contentTooLarge, message: "body is larger than \(Self.maximumBodyBytes) bytes")
        }
        let batch: IngestBatch
        do {
            // The common body is read by the fast reader; anything else, and every bad body, by JSONDecoder.
            batch = try body.withUnsafeReadableBytes { try IngestBatch.decodeWire(bytes: $0) }
        } catch let error as DecodingError {
            _ = try await authenticatedDevice(request)
            throw HTTPError(.badRequest, message: error.readableDescription)
        }
        do {
            // The token is checked in the batch's own write, committed with other devices' (group commit).
            let receipt = try await database.ingest(batch, token: token, receivedMillis: clock.nowMillis())
            if receipt.accepted > 0, let feed { await feed.publish(batch.centre) }
            return JSONResponse(value: receipt)
        } catch {
            throw await refusal(error, token: token)
        }
    }
}
