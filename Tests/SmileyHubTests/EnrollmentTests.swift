import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import NIOCore
import SmileyCore
import Testing

@testable import SmileyHub

/// An enrollment code adds exactly one device, however often and however concurrently it is redeemed.
@Suite struct EnrollmentTests {
    static let centre = IngestTests.centre
    static let device = DeviceID(rawValue: "paro-entry-1")!

    func withDatabase(_ body: (HubDatabase, String) async throws -> Void) async throws {
        let directory = NSTemporaryDirectory() + "smiley-enroll-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try HubDatabase(path: directory + "/hub.sqlite")
        try database.addCentre(Centre(id: Self.centre, name: "Paro DCRC", timeZone: "Asia/Thimphu"))
        let code = try database.issueEnrollmentCode(centre: Self.centre, expiresMillis: Int64.max / 2, nowMillis: 0)
        try await body(database, code)
    }

    @Test(arguments: [false, true])
    func twentyConcurrentRedeemsOfOneCodeAddOneDevice(sameDevice: Bool) async throws {
        // Five rounds: a race that loses only sometimes still shows.
        for round in 0..<5 {
            try await withDatabase { database, code in
                let grants = await withTaskGroup(of: EnrollmentGrant?.self) { group in
                    for index in 0..<20 {
                        group.addTask {
                            let device = sameDevice ? Self.device : DeviceID(rawValue: "paro-entry-\(index)")!
                            return try? database.redeem(EnrollmentRequest(code: code, device: device), nowMillis: 1)
                        }
                    }
                    var grants: [EnrollmentGrant] = []
                    for await grant in group { if let grant { grants.append(grant) } }
                    return grants
                }
                let devices = try database.devices()
                #expect(devices.count == 1, "round \(round): \(devices.map(\.id))")
                // Exactly one token works: the one issued last (a repeat replaces an undelivered token).
                let working = grants.filter { (try? database.authenticate(token: $0.token, nowMillis: 10)) != nil }
                #expect(working.count == 1, "round \(round): \(grants.count) grants")
                if !sameDevice { #expect(grants.count == 1, "round \(round)") }
            }
        }
    }

    @Test func aRepeatedRedeemForTheSameDeviceGivesAWorkingTokenUntilTheDeviceUsesIt() async throws {
        try await withDatabase { database, code in
            let first = try database.redeem(EnrollmentRequest(code: code, device: Self.device), nowMillis: 1)
            // The reply was lost: the device asks again and gets a token that works.
            let second = try database.redeem(EnrollmentRequest(code: code, device: Self.device), nowMillis: 2)
            #expect(second.device == first.device && second.centre == first.centre)
            #expect(
                try database.authenticate(token: second.token, nowMillis: 10)
                    == .device(Self.device, centre: Self.centre))
            #expect(throws: HubError.self) { try database.authenticate(token: first.token, nowMillis: 10) }
            // Another device cannot have the code.
            #expect {
                try database.redeem(EnrollmentRequest(code: code, device: DeviceID(rawValue: "thief")!), nowMillis: 3)
            } throws: { error in
                "\(error)".contains("was already used by device 'paro-entry-1'")
            }
            // Once the device has spoken with its token, the code is spent even for it.
            _ = try database.ingest(
                IngestBatch(
                    device: Self.device, centre: Self.centre, presses: [],
                    clock: ClockSample(boot: "b1", monotonicNanos: 1, wallClockMillis: 0, synchronised: false)),
                receivedMillis: 4)
            #expect {
                try database.redeem(EnrollmentRequest(code: code, device: Self.device), nowMillis: 5)
            } throws: { error in
                "\(error)".contains("was already used by device 'paro-entry-1'")
            }
            #expect(
                try database.authenticate(token: second.token, nowMillis: 10)
                    == .device(Self.device, centre: Self.centre))
        }
    }

    @Test func theEnrollmentEndpointIsRateLimitedPerClient() async throws {
        try await withDatabase { database, _ in
            // The hub's own gate with time held still: no refill can land between the requests however
            // slowly a busy machine runs them.
            let router = Router(context: HubRequestContext.self)
            let frozen = ContinuousClock.now
            IngestController<HubRequestContext>(
                database: database, clock: .system, feed: PressFeed(), enrollmentGate: EnrollmentGate(now: { frozen })
            ).addRoutes(to: router)
            let app = Application(router: router)
            try await app.test(.router) { client in
                var statuses: [HTTPResponse.Status] = []
                var retryAfter: String?
                for index in 0..<30 {
                    let body = ByteBuffer(string: #"{"code": "WRONG-CODE-\#(index)", "device": "paro-entry-1"}"#)
                    try await client.execute(uri: "/api/v1/enroll", method: .post, body: body) { response in
                        statuses.append(response.status)
                        if response.status == .tooManyRequests { retryAfter = response.headers[.retryAfter] }
                    }
                }
                #expect(statuses.prefix(5).allSatisfy { $0 == .notFound }, "\(statuses)")
                #expect(statuses.suffix(10).allSatisfy { $0 == .tooManyRequests }, "\(statuses)")
                let seconds = try #require(retryAfter.flatMap { Int($0) })
                #expect(seconds >= 1 && seconds <= 60)
            }
        }
    }
}
