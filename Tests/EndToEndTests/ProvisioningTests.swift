import AsyncHTTPClient
import Foundation
import Logging
import SmileyCore
import SmileyDevice
import SmileyHub
import Testing

/// A technician provisions a device against a hub with an enrollment code, then presses arrive.
@Suite struct ProvisioningTests {
    let test = PressToHeatmapTests()
    static let newDevice = DeviceID(rawValue: "thimphu-exit-2")!

    func request(_ hub: PressToHeatmapTests.RunningHub, code: String, force: Bool = false) -> Provisioner.Request {
        Provisioner.Request(
            hub: hub.url, code: code, device: Self.newDevice, configPath: hub.directory + "/etc/device.json",
            stateDirectory: hub.directory + "/state", simulated: true, force: force)
    }

    func nothingWritten(_ hub: PressToHeatmapTests.RunningHub) -> Bool {
        !FileManager.default.fileExists(atPath: hub.directory + "/etc/device.json")
            && !FileManager.default.fileExists(atPath: hub.directory + "/state/device-token")
    }

    @Test func aProvisionedDeviceSelfTestsAndItsPressesReachTheHub() async throws {
        try await test.withHub { hub in
            let code = try hub.database.issueEnrollmentCode(
                centre: PressToHeatmapTests.thimphu,
                expiresMillis: Int64(Date().timeIntervalSince1970 * 1000) + 3_600_000,
                nowMillis: 0)
            let outcome = try await Provisioner().provision(request(hub, code: code))
            guard case .provisioned(let selfTest) = outcome else {
                Issue.record("not provisioned: \(outcome)")
                return
            }
            #expect(selfTest.passed, "\(selfTest.lines)")
            #expect(selfTest.lines.contains { $0.contains("knows device thimphu-exit-2 of centre thimphu-dcrc") })
            let configuration = try DeviceConfiguration.load(path: hub.directory + "/etc/device.json")
            #expect(configuration.centre == PressToHeatmapTests.thimphu)
            for secret in [configuration.tokenPath, configuration.signingKeyPath] {
                let attributes = try FileManager.default.attributesOfItem(atPath: secret)
                #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600, "\(secret)")
            }
            // The hub holds the device's public key: an export from it imports.
            let key = try DeviceSigningKey.load(path: configuration.signingKeyPath)
            let payload = Data("{}".utf8)
            let file = try JSONEncoder().encode(
                ExportFile(device: Self.newDevice, payload: payload, signature: try key.signature(for: payload)))
            #expect {
                try hub.database.importBacklog(file, nowMillis: 0)
            } throws: { error in
                // Past the signature check: only the (empty) payload is refused.
                "\(error)".contains("the signed payload is not a Smiley backlog")
            }
            // The provisioned device records a press through the simulated source; it reaches the hub.
            let device = try DeviceApplication(configuration: configuration, logger: Logger(label: "provisioned"))
            let clock = SimulatedClock(bootWallClockMillis: PressToHeatmapTests.bhutan(2026, 11, 2, 9, 0))
            let source = ScriptedButtonSource(
                edges: PressScript.edges(for: [PressScript.Step(button: 3, atNanos: 60_000_000_000)]),
                buttons: device.buttonSpecs, configuration: configuration.debounce.debouncerConfiguration, clock: clock)
            let recorder = device.recorder(clock: clock, boot: "boot-1")
            try await source.run { output in try recorder.handle(output) }
            let uploader = Uploader(
                store: device.store, device: configuration.device, centre: configuration.centre,
                hub: try configuration.hubURL, settings: configuration.upload, client: HTTPClient.shared, clock: clock,
                boot: "boot-1", token: try configuration.loadToken(), signal: UploadSignal(), logger: Logger(label: "u")
            )
            #expect(try await uploader.drain() == 1)
            #expect(try hub.database.pressCount(device: Self.newDevice) == 1)
            // Running it again says so and changes nothing.
            let again = try await Provisioner().provision(request(hub, code: "ANY-CODE"))
            #expect(
                again == .alreadyProvisioned(device: Self.newDevice, configPath: hub.directory + "/etc/device.json"))
        }
    }

    @Test func aLostReplyIsRecoveredByRedeemingAgain() async throws {
        try await test.withHub { hub in
            let code = try hub.database.issueEnrollmentCode(
                centre: PressToHeatmapTests.thimphu,
                expiresMillis: Int64(Date().timeIntervalSince1970 * 1000) + 3_600_000,
                nowMillis: 0)
            // The hub redeems the code and commits; the reply never reaches the device.
            let proxy = try ReplyDroppingProxy(upstreamPort: try #require(URL(string: hub.url)?.port), dropReplies: 1)
            defer { proxy.stop() }
            var lossy = request(hub, code: code)
            lossy.hub = "http://127.0.0.1:\(proxy.port)"
            let outcome = try await Provisioner().provision(lossy)
            guard case .provisioned(let selfTest) = outcome else {
                Issue.record("not provisioned: \(outcome)")
                return
            }
            #expect(selfTest.passed, "\(selfTest.lines)")
            #expect(try hub.database.devices().filter { $0.id == Self.newDevice }.count == 1)
            let configuration = try DeviceConfiguration.load(path: hub.directory + "/etc/device.json")
            #expect(
                try hub.database.authenticate(token: try configuration.loadToken(), nowMillis: 10)
                    == .device(Self.newDevice, centre: PressToHeatmapTests.thimphu))
        }
    }

    @Test func aWrongCodeIsNamedAndNothingIsWritten() async throws {
        try await test.withHub { hub in
            await #expect {
                try await Provisioner().provision(request(hub, code: "ABCD-EFGH-JKLM"))
            } throws: { error in
                "\(error)".contains("enrollment code 'ABCD-EFGH-JKLM' is not known to this hub")
            }
            #expect(nothingWritten(hub))
        }
    }

    @Test func anExpiredCodeIsNamedAndNothingIsWritten() async throws {
        try await test.withHub { hub in
            let code = try hub.database.issueEnrollmentCode(
                centre: PressToHeatmapTests.thimphu, expiresMillis: 1000, nowMillis: 0)
            await #expect {
                try await Provisioner().provision(request(hub, code: code))
            } throws: { error in
                "\(error)".contains("expired at 1970-01-01T00:00:01Z: ask for a new one")
            }
            #expect(nothingWritten(hub))
        }
    }

    @Test func aCodeWorksOnlyOnce() async throws {
        try await test.withHub { hub in
            let code = try hub.database.issueEnrollmentCode(
                centre: PressToHeatmapTests.thimphu, expiresMillis: Int64.max / 2, nowMillis: 0)
            _ = try hub.database.redeem(
                EnrollmentRequest(code: code, device: DeviceID(rawValue: "other-1")!), nowMillis: 1)
            await #expect {
                try await Provisioner().provision(request(hub, code: code))
            } throws: { error in
                "\(error)".contains("was already used by device 'other-1'")
            }
            #expect(nothingWritten(hub))
        }
    }

    @Test func anUnreachableHubIsNamedAndNothingIsWritten() async throws {
        try await test.withHub { hub in
            var unreachable = request(hub, code: "ABCD-EFGH-JKLM")
            unreachable.hub = "http://127.0.0.1:9"
            await #expect {
                try await Provisioner().provision(unreachable)
            } throws: { error in
                "\(error)".contains("cannot reach the hub at http://127.0.0.1:9")
            }
            #expect(nothingWritten(hub))
        }
    }

    @Test func aHubWithAnUntrustedCertificateIsNamedAndNothingIsWritten() async throws {
        let certificates = try TLSTests.Certificates.make()
        try await TLSTests().withHTTPSHub(certificates) { url, directory, _ in
            let request = Provisioner.Request(
                hub: url, code: "ABCD-EFGH-JKLM", device: Self.newDevice, configPath: directory + "/etc/device.json",
                stateDirectory: directory + "/state", simulated: true)
            await #expect {
                try await Provisioner().provision(request)
            } throws: { error in
                "\(error)".contains("is not trusted") && "\(error)".contains("set hubCAFile")
            }
            #expect(!FileManager.default.fileExists(atPath: directory + "/etc/device.json"))
        }
    }
}
