import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import SmileyCore

/// `smileyctl provision`: checks the wiring, redeems an enrollment code at the hub, writes the
/// device's configuration and token, and tests the result. Nothing is written unless every check
/// before it passed; a failure after the first file was written says which files were.
public struct Provisioner: Sendable {
    public struct Request: Sendable {
        public var hub: String
        public var code: String
        public var device: DeviceID
        public var configPath: String
        public var stateDirectory: String
        public var hubCAFile: String?
        /// Simulated buttons instead of GPIO lines (a bench test without a panel).
        public var simulated: Bool
        public var force: Bool

        public init(
            hub: String, code: String, device: DeviceID, configPath: String, stateDirectory: String,
            hubCAFile: String? = nil, simulated: Bool = false, force: Bool = false
        ) {
            self.hub = hub
            self.code = code
            self.device = device
            self.configPath = configPath
            self.stateDirectory = stateDirectory
            self.hubCAFile = hubCAFile
            self.simulated = simulated
            self.force = force
        }
    }

    public enum Outcome: Sendable, Equatable {
        case alreadyProvisioned(device: DeviceID, configPath: String)
        case provisioned(SelfTest)
    }

    /// What the self-test found; each line is something a technician can read aloud.
    public struct SelfTest: Sendable, Equatable {
        public var lines: [String]
        public var passed: Bool
    }

    public init() {}

    public func provision(_ request: Request) async throws -> Outcome {
        if !request.force, FileManager.default.fileExists(atPath: request.configPath),
            let existing = try? DeviceConfiguration.load(path: request.configPath),
            (try? existing.loadToken()) != nil
        {
            return .alreadyProvisioned(device: existing.device, configPath: request.configPath)
        }
        var configuration = DeviceConfiguration(
            device: request.device, centre: CentreID(rawValue: "pending")!, hub: request.hub,
            stateDirectory: request.stateDirectory,
            simulation: request.simulated ? SimulationSettings() : nil)
        configuration.hubCAFile = request.hubCAFile
        do { _ = try configuration.hubURL } catch { throw ProvisioningError.badHub(request.hub, error.description) }
        if !request.simulated { try checkLines(configuration) }
        // The key pair is made now and written only after the hub took its public half.
        let signingKey = DeviceSigningKey.generate()
        let grant = try await redeem(request, publicKey: signingKey.publicKeyBase64, configuration: configuration)
        configuration.centre = grant.centre
        var written: [String] = []
        do {
            try write(
                configuration, token: grant.token, signingKey: signingKey, to: request.configPath, written: &written)
            return .provisioned(try await selfTest(configuration))
        } catch {
            throw ProvisioningError.incomplete(written: written, reason: "\(error)")
        }
    }

    /// How often a redeem is sent before giving up, and the pause before each repeat.
    static let redeemAttempts = 4
    static let redeemRetryDelay = Duration.seconds(1)

    /// Redeems the code, sending it again when no answer came: the request or its reply may have been
    /// lost, and the hub answers a repeat by the same device with a fresh token (the earlier one was
    /// never delivered), so asking again is safe and does not spend the code for nothing.
    func redeem(_ request: Request, publicKey: String, configuration: DeviceConfiguration) async throws
        -> EnrollmentGrant
    {
        var attempt = 1
        while true {
            do {
                return try await redeemOnce(request, publicKey: publicKey, configuration: configuration)
            } catch ProvisioningError.unreachable(let hub, let detail) {
                guard attempt < Self.redeemAttempts else {
                    throw ProvisioningError.unreachable(
                        hub,
                        "\(detail) (\(attempt) attempts; if the hub received one, it holds the code for \(request.device): run provision again with the same code and device id)"
                    )
                }
                attempt += 1
                try await Task.sleep(for: Self.redeemRetryDelay)
            }
        }
    }

    /// Every configured line exists and nobody holds it.
    func checkLines(_ configuration: DeviceConfiguration) throws {
        var named = configuration.buttons.map { ($0.chip, $0.line) }
        let outputs = configuration.outputs
        for line in [outputs.satisfactionLED, outputs.accessibilityLED, outputs.buzzer].compactMap({ $0 }) {
            named.append((outputs.chip, line))
        }
        for (chip, line) in named {
            let located = try locateLine(chip: chip, line: line)
            let info = try located.chip.info(offset: located.offset)
            if info.used {
                throw GPIOError(
                    operation: "check line", chip: located.chip.name, line: "\(line) (offset \(located.offset))",
                    errno: EBUSY, holder: info.consumer)
            }
        }
    }

    func redeemOnce(_ request: Request, publicKey: String, configuration: DeviceConfiguration) async throws
        -> EnrollmentGrant
    {
        let client = try configuration.makeHubClient()
        defer { Task { try? await client.shutdown() } }
        let url = try configuration.hubURL.appendingPathComponent("api/v1/enroll").absoluteString
        var http = HTTPClientRequest(url: url)
        http.method = .POST
        http.headers.add(name: "Content-Type", value: "application/json")
        http.body = .bytes(
            ByteBuffer(
                data: try JSONEncoder().encode(
                    EnrollmentRequest(code: request.code, device: request.device, publicKey: publicKey))))
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await client.execute(http, timeout: .seconds(15))
            body = try await response.body.collect(upTo: 1 << 16)
        } catch {
            let explained = UploadError.explain(error, hub: request.hub)
            if explained is UploadError { throw explained }
            throw ProvisioningError.unreachable(request.hub, "\(error)")
        }
        guard response.status == .ok else {
            let message =
                (try? JSONDecoder().decode(HubErrorBody.self, from: body).error.message) ?? String(buffer: body)
            throw ProvisioningError.refused(status: Int(response.status.code), message: message)
        }
        return try JSONDecoder().decode(EnrollmentGrant.self, from: body)
    }

    /// Writes the token and the signing key (each 0600 from its first byte), then the configuration;
    /// `written` lists the files that were written.
    func write(
        _ configuration: DeviceConfiguration, token: String, signingKey: DeviceSigningKey, to path: String,
        written: inout [String]
    ) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let manager = FileManager.default
        try manager.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try manager.createDirectory(atPath: configuration.stateDirectory, withIntermediateDirectories: true)
        try SecretFile.create(Data((token + "\n").utf8), at: configuration.tokenPath)
        written.append(configuration.tokenPath)
        try signingKey.write(to: configuration.signingKeyPath)
        written.append(configuration.signingKeyPath)
        guard manager.createFile(atPath: path, contents: try encoder.encode(configuration)) else {
            throw ProvisioningError.cannotWrite(path)
        }
        written.append(path)
    }

    /// Hub reachable with the new token, store writable, lines readable, clock state.
    func selfTest(_ configuration: DeviceConfiguration) async throws -> SelfTest {
        var lines: [String] = []
        var passed = true
        let client = try configuration.makeHubClient()
        defer { Task { try? await client.shutdown() } }
        do {
            var request = HTTPClientRequest(
                url: try configuration.hubURL.appendingPathComponent("api/v1/devices/\(configuration.device)")
                    .absoluteString)
            request.headers.add(name: "Authorization", value: "Bearer \(try configuration.loadToken())")
            let response = try await client.execute(request, timeout: .seconds(15))
            _ = try await response.body.collect(upTo: 1 << 16)
            if response.status == .ok {
                lines.append(
                    "ok    hub \(configuration.hub) knows device \(configuration.device) of centre \(configuration.centre)"
                )
            } else {
                passed = false
                lines.append("FAIL  hub answered \(response.status.code) with the new token")
            }
        } catch {
            passed = false
            lines.append("FAIL  hub not reachable: \(UploadError.explain(error, hub: configuration.hub))")
        }
        do {
            let store = try DeviceStore(path: configuration.storePath)
            let durability = try store.durability()
            lines.append("ok    store \(configuration.storePath) writable (journal \(durability.journalMode))")
        } catch {
            passed = false
            lines.append("FAIL  store \(configuration.storePath) not writable: \(error)")
        }
        if configuration.simulation == nil {
            do {
                let source = GPIOButtonSource(
                    buttons: configuration.buttons, specs: [], configuration: DebounceConfiguration())
                let chips = try source.requestLines()
                let levels = try chips.flatMap { try $0.lines.values() }
                let pressed = levels.filter { $0 }.count
                lines.append(
                    pressed == 0
                        ? "ok    \(levels.count) button lines readable, none pressed"
                        : "WARN  \(levels.count) button lines readable, \(pressed) read as pressed: check the wiring")
            } catch {
                passed = false
                lines.append("FAIL  button lines: \(error)")
            }
        } else {
            lines.append("ok    buttons simulated (no GPIO lines checked)")
        }
        lines.append(
            SystemClock().isSynchronised()
                ? "ok    clock synchronised"
                : "WARN  clock not synchronised yet: presses are dated by the hub until it is")
        return SelfTest(lines: lines, passed: passed)
    }
}

/// The hub's error body: `{"error": {"message": "..."}}`.
struct HubErrorBody: Decodable {
    struct Inner: Decodable { var message: String }
    var error: Inner
}

public enum ProvisioningError: Error, Sendable, CustomStringConvertible {
    case badHub(String, String)
    case unreachable(String, String)
    case refused(status: Int, message: String)
    case cannotWrite(String)
    /// The hub enrolled the device, then something failed on the device: `written` names what was
    /// written before it (nothing else was).
    case incomplete(written: [String], reason: String)

    /// Whether the device was left as it was before provisioning started.
    public var nothingWritten: Bool {
        if case .incomplete(let written, _) = self { return written.isEmpty }
        return true
    }

    public var description: String {
        switch self {
        case .badHub(_, let reason): reason
        case .unreachable(let hub, let detail): "cannot reach the hub at \(hub): \(detail)"
        case .refused(_, let message): "the hub refused: \(message)"
        case .cannotWrite(let path): "cannot write \(path)"
        case .incomplete(let written, let reason):
            written.isEmpty
                ? "the hub enrolled this device, then: \(reason); run provision again with --force and the same code"
                : "the hub enrolled this device and \(written.joined(separator: " and ")) were written, then: \(reason)"
        }
    }
}
