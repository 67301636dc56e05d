import AsyncHTTPClient
import Foundation
import Logging
import ServiceLifecycle
import SmileyCore
import SmileyDevice
import SmileyHub
import Testing

/// The hub serves HTTPS from a certificate in its configuration; the device verifies it.
@Suite struct TLSTests {
    /// A throwaway CA and a certificate for 127.0.0.1 signed by it, made with the openssl tool.
    struct Certificates {
        var directory: String
        var caCertificate: String { directory + "/ca.pem" }
        var hubCertificate: String { directory + "/hub.pem" }
        var hubKey: String { directory + "/hub-key.pem" }

        static func make() throws -> Certificates {
            let directory = try temporaryDirectory()
            func openssl(_ arguments: [String]) throws {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
                process.arguments = arguments
                process.currentDirectoryURL = URL(fileURLWithPath: directory)
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
                process.waitUntilExit()
                #expect(process.terminationStatus == 0, "openssl \(arguments.joined(separator: " "))")
            }
            try openssl([
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca-key.pem", "-out", "ca.pem", "-days",
                "2",
                "-subj", "/CN=Smiley test CA",
            ])
            try openssl([
                "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "hub-key.pem", "-out", "hub.csr", "-subj",
                "/CN=127.0.0.1",
            ])
            try "subjectAltName=IP:127.0.0.1,DNS:localhost\n".write(
                toFile: directory + "/san.ext", atomically: true, encoding: .utf8)
            try openssl([
                "x509", "-req", "-in", "hub.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial", "-out",
                "hub.pem", "-days", "2", "-extfile", "san.ext",
            ])
            return Certificates(directory: directory)
        }
    }

    func withHTTPSHub(_ certificates: Certificates, _ body: (String, String, String) async throws -> Void) async throws
    {
        let directory = try temporaryDirectory()
        let database = try HubDatabase(path: directory + "/hub.sqlite")
        try database.addCentre(Centre(id: PressToHeatmapTests.thimphu, name: "Thimphu", timeZone: "Asia/Thimphu"))
        let token = try database.addDevice(
            PressToHeatmapTests.device, centre: PressToHeatmapTests.thimphu, nowMillis: 0)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = try buildApplication(
            configuration: HubConfiguration(
                host: "127.0.0.1", port: 0, stateDirectory: directory, tlsCertificatePath: certificates.hubCertificate,
                tlsKeyPath: certificates.hubKey),
            database: database, logger: Logger(label: "test-hub")
        ) { port in continuation.yield(port) }
        let group = ServiceGroup(services: [app], logger: Logger(label: "test-hub"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            do {
                try await body("https://127.0.0.1:\(port)", directory, token.value)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    func deviceUploads(hub: String, directory: String, token: String, caFile: String?) async throws -> Int {
        var configuration = DeviceConfiguration(
            device: PressToHeatmapTests.device, centre: PressToHeatmapTests.thimphu, hub: hub,
            stateDirectory: directory + "/device-\(UUID().uuidString)")
        configuration.hubCAFile = caFile
        configuration.upload.requestTimeoutMillis = 60_000  // a bound for a busy machine, not a speed
        let device = try DeviceApplication(configuration: configuration, logger: Logger(label: "test-device"))
        let clock = SimulatedClock(bootWallClockMillis: PressToHeatmapTests.bhutan(2026, 11, 2, 9, 0))
        let recorder = device.recorder(clock: clock, boot: "boot-1")
        let source = ScriptedButtonSource(
            edges: PressScript.edges(for: [PressScript.Step(button: 2, atNanos: 60_000_000_000)]),
            buttons: device.buttonSpecs, configuration: configuration.debounce.debouncerConfiguration, clock: clock)
        try await source.run { output in try recorder.handle(output) }
        let client = try configuration.makeHubClient()
        defer { Task { try? await client.shutdown() } }
        let uploader = Uploader(
            store: device.store, device: configuration.device, centre: configuration.centre, hub: URL(string: hub)!,
            settings: configuration.upload, client: client, clock: clock, boot: "boot-1", token: token,
            signal: UploadSignal(), logger: Logger(label: "test-uploader"))
        return try await uploader.drain()
    }

    @Test func aDeviceTrustingTheHubsCAUploadsOverHTTPS() async throws {
        let certificates = try Certificates.make()
        try await withHTTPSHub(certificates) { url, directory, token in
            let sent = try await deviceUploads(
                hub: url, directory: directory, token: token, caFile: certificates.caCertificate)
            #expect(sent == 1)
        }
    }

    @Test func aDeviceRefusesAHubItsTrustStoreDoesNotVouchFor() async throws {
        let certificates = try Certificates.make()
        try await withHTTPSHub(certificates) { url, directory, token in
            do {
                _ = try await deviceUploads(hub: url, directory: directory, token: token, caFile: nil)
                Issue.record("the upload to an untrusted hub succeeded")
            } catch let error as UploadError {
                #expect(error.description.contains("is not trusted"))
                #expect(error.description.contains("set hubCAFile"))
            }
        }
    }

    @Test func aHubWithAMissingKeyFileSaysWhichFile() throws {
        let configuration = HubConfiguration(
            stateDirectory: "/tmp", tlsCertificatePath: "/nonexistent/hub.pem", tlsKeyPath: "/nonexistent/key.pem")
        do {
            _ = try buildApplication(
                configuration: configuration, database: try HubDatabase(path: try temporaryDirectory() + "/hub.sqlite"),
                logger: Logger(label: "t"))
            Issue.record("a hub without its certificate started")
        } catch let error as HubError {
            #expect(error.description.contains("/nonexistent/hub.pem"))
        }
    }
}
