import Foundation
import SmileyCore

/// Everything `smiley-device run --config FILE` needs, read from a JSON file (see docs/device-config.md).
public struct DeviceConfiguration: Sendable, Hashable, Codable {
    public var device: DeviceID
    public var centre: CentreID
    /// Base URL of the hub, for example `http://127.0.0.1:8080`.
    public var hub: String
    /// Where the press store lives; systemd's `StateDirectory=` gives `/var/lib/smiley-device`.
    public var stateDirectory: String
    public var buttons: [ButtonConfiguration]
    public var debounce: DebounceSettings
    public var upload: UploadSettings
    /// When present, buttons are simulated (tests, demo) instead of read from GPIO lines.
    public var simulation: SimulationSettings?
    /// Acknowledgement LEDs per panel and the optional buzzer (GPIO devices only).
    public var outputs: OutputConfiguration = .init()
    /// How many presses the store may keep (see `StorageSettings`).
    public var storage: StorageSettings = .init()
    /// The control socket: how long a buttons test may last.
    public var control: ControlSettings = .init()
    /// The file holding the device's secret token (mode 0600); default `<stateDirectory>/device-token`.
    public var tokenFile: String?
    /// PEM file of the certificate authority that signed the hub's certificate, for an `https://` hub
    /// with its own CA; without it the system's trust store decides.
    public var hubCAFile: String?
    /// A directory node_exporter's textfile collector reads (Debian: `/var/lib/prometheus/node-exporter`):
    /// the daemon writes `smiley-device.prom` there at each heartbeat. Absent: no metrics file.
    public var metricsTextfileDirectory: String?

    public init(
        device: DeviceID, centre: CentreID, hub: String, stateDirectory: String,
        buttons: [ButtonConfiguration] = ButtonConfiguration.defaultLayout,
        debounce: DebounceSettings = .init(), upload: UploadSettings = .init(), simulation: SimulationSettings? = nil
    ) {
        self.device = device
        self.centre = centre
        self.hub = hub
        self.stateDirectory = stateDirectory
        self.buttons = buttons
        self.debounce = debounce
        self.upload = upload
        self.simulation = simulation
    }

    enum CodingKeys: String, CodingKey {
        case device, centre, hub, stateDirectory, buttons, debounce, upload, simulation, outputs, storage, tokenFile
        case hubCAFile, control, metricsTextfileDirectory
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        device = try container.decode(DeviceID.self, forKey: .device)
        centre = try container.decode(CentreID.self, forKey: .centre)
        hub = try container.decode(String.self, forKey: .hub)
        stateDirectory = try container.decode(String.self, forKey: .stateDirectory)
        buttons =
            try container.decodeIfPresent([ButtonConfiguration].self, forKey: .buttons)
            ?? ButtonConfiguration.defaultLayout
        debounce = try container.decodeIfPresent(DebounceSettings.self, forKey: .debounce) ?? .init()
        upload = try container.decodeIfPresent(UploadSettings.self, forKey: .upload) ?? .init()
        simulation = try container.decodeIfPresent(SimulationSettings.self, forKey: .simulation)
        outputs = try container.decodeIfPresent(OutputConfiguration.self, forKey: .outputs) ?? .init()
        storage = try container.decodeIfPresent(StorageSettings.self, forKey: .storage) ?? .init()
        tokenFile = try container.decodeIfPresent(String.self, forKey: .tokenFile)
        hubCAFile = try container.decodeIfPresent(String.self, forKey: .hubCAFile)
        control = try container.decodeIfPresent(ControlSettings.self, forKey: .control) ?? .init()
        metricsTextfileDirectory = try container.decodeIfPresent(String.self, forKey: .metricsTextfileDirectory)
    }

    /// The hub's base URL, checked.
    public var hubURL: URL {
        get throws(ConfigurationError) {
            guard let url = URL(string: hub), let scheme = url.scheme, ["http", "https"].contains(scheme),
                url.host != nil
            else { throw .invalidValue(key: "hub", value: hub, reason: "expected an http:// or https:// URL") }
            return url
        }
    }

    public var storePath: String { (stateDirectory as NSString).appendingPathComponent("presses.sqlite") }

    /// The daemon's control socket, where `smileyctl buttons test` connects: in a directory of its own
    /// (mode 0750), for root and the daemon's group only.
    public var controlSocketPath: String {
        (stateDirectory as NSString).appendingPathComponent("control/control.sock")
    }

    public var tokenPath: String { tokenFile ?? (stateDirectory as NSString).appendingPathComponent("device-token") }

    /// Reads the device's token; refuses a missing, empty or world-readable token file, saying how to fix it.
    public func loadToken() throws(ConfigurationError) -> String {
        let path = tokenPath
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let data = FileManager.default.contents(atPath: path)
        else {
            throw .invalidValue(
                key: "tokenFile", value: path,
                reason:
                    "no device token there: add the device at the hub (smiley-hub device add \(device) --centre \(centre) --token-file FILE) and copy FILE here with mode 0600"
            )
        }
        if let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue, mode & 0o077 != 0 {
            throw .invalidValue(
                key: "tokenFile", value: path,
                reason: "readable by other users (mode \(String(mode, radix: 8))): chmod 600 \(path)")
        }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw .invalidValue(key: "tokenFile", value: path, reason: "the file is empty") }
        return token
    }

    /// Checks what decoding cannot: values in range, no button twice, every answer of a panel wired once.
    public func validate() throws(ConfigurationError) {
        _ = try hubURL
        guard !stateDirectory.isEmpty else {
            throw .invalidValue(key: "stateDirectory", value: stateDirectory, reason: "must not be empty")
        }
        if let directory = metricsTextfileDirectory, !directory.hasPrefix("/") {
            throw .invalidValue(
                key: "metricsTextfileDirectory", value: directory,
                reason: "expected an absolute path, for example /var/lib/prometheus/node-exporter")
        }
        guard !buttons.isEmpty else {
            throw .invalidValue(key: "buttons", value: "[]", reason: "no buttons configured")
        }
        var seenLines: Set<String> = []
        var seenAnswers: Set<Answer> = []
        for (index, button) in buttons.enumerated() {
            let lineKey = "\(button.chip ?? "*")/\(button.line)"
            guard seenLines.insert(lineKey).inserted else {
                throw .invalidValue(
                    key: "buttons[\(index)].line", value: button.line, reason: "line used by two buttons")
            }
            guard seenAnswers.insert(button.answer).inserted else {
                throw .invalidValue(
                    key: "buttons[\(index)].answer", value: button.answer.name, reason: "answer wired to two buttons")
            }
        }
        try debounce.validate()
        try upload.validate()
        try outputs.validate()
        guard ControlSettings.buttonsTestRange.contains(control.buttonsTestSeconds) else {
            throw .invalidValue(
                key: "control.buttonsTestSeconds", value: "\(control.buttonsTestSeconds)",
                reason:
                    "expected \(ControlSettings.buttonsTestRange.lowerBound) to \(ControlSettings.buttonsTestRange.upperBound)"
            )
        }
        guard (1000...50_000_000).contains(storage.maximumPresses) else {
            throw .invalidValue(
                key: "storage.maximumPresses", value: "\(storage.maximumPresses)", reason: "expected 1000 to 50000000")
        }
    }

    /// Reads and validates a configuration file; errors name the key and the value.
    public static func load(path: String) throws(ConfigurationError) -> DeviceConfiguration {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
        let configuration: DeviceConfiguration
        do { configuration = try JSONDecoder().decode(DeviceConfiguration.self, from: data) } catch let error
            as DecodingError
        {
            throw .invalid(path: path, reason: error.readableDescription)
        } catch {
            throw .invalid(path: path, reason: "\(error)")
        }
        try configuration.validate()
        return configuration
    }
}

/// One button: the GPIO line it is wired to and the answer it gives.
public struct ButtonConfiguration: Sendable, Hashable, Codable {
    /// Chip path (`/dev/gpiochip0`), name (`gpiochip0`) or label (`pinctrl-rp1`); any chip when absent.
    public var chip: String?
    /// Line name (`GPIO5`) or offset (`5`).
    public var line: String
    public var answer: Answer
    public var bias: Bias
    public var activeLow: Bool

    public enum Bias: String, Sendable, Hashable, Codable {
        case asIs = "as-is"
        case disabled
        case pullUp = "pull-up"
        case pullDown = "pull-down"
    }

    public init(chip: String? = nil, line: String, answer: Answer, bias: Bias = .pullUp, activeLow: Bool = true) {
        self.chip = chip
        self.line = line
        self.answer = answer
        self.bias = bias
        self.activeLow = activeLow
    }

    enum CodingKeys: String, CodingKey { case chip, line, question, answer, bias, activeLow }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        chip = try container.decodeIfPresent(String.self, forKey: .chip)
        line = try container.decode(String.self, forKey: .line)
        let questionName = try container.decode(String.self, forKey: .question)
        let answerName = try container.decode(String.self, forKey: .answer)
        do { answer = try Answer.parse(answerName, of: Question.parse(questionName)) } catch {
            let key: CodingKeys = Question(rawValue: questionName) == nil ? .question : .answer
            throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: error.description)
        }
        bias = try container.decodeIfPresent(Bias.self, forKey: .bias) ?? .pullUp
        activeLow = try container.decodeIfPresent(Bool.self, forKey: .activeLow) ?? true
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(chip, forKey: .chip)
        try container.encode(line, forKey: .line)
        try container.encode(answer.question.rawValue, forKey: .question)
        try container.encode(answer.name, forKey: .answer)
        try container.encode(bias, forKey: .bias)
        try container.encode(activeLow, forKey: .activeLow)
    }

    /// The debouncer's view of buttons: those of one question share a panel (and its response interval).
    public static func specs(_ buttons: [ButtonConfiguration]) -> [ButtonSpec] {
        buttons.map { ButtonSpec(panel: Question.allCases.firstIndex(of: $0.answer.question)!) }
    }

    /// The default pin map (Hardware/README.md): buttons to ground, pull-up, active-low.
    public static let defaultLayout: [ButtonConfiguration] = [
        .init(line: "GPIO5", answer: .veryUnhappy),
        .init(line: "GPIO6", answer: .unhappy),
        .init(line: "GPIO13", answer: .happy),
        .init(line: "GPIO19", answer: .veryHappy),
        .init(line: "GPIO16", answer: .hard),
        .init(line: "GPIO20", answer: .soSo),
        .init(line: "GPIO21", answer: .easy),
    ]
}

/// Output lines: one LED per panel, lit briefly when a press is stored, and an optional buzzer.
public struct OutputConfiguration: Sendable, Hashable, Codable {
    /// Chip of the output lines (path, name or label); any chip when absent.
    public var chip: String?
    public var satisfactionLED: String? = "GPIO23"
    public var accessibilityLED: String? = "GPIO24"
    public var buzzer: String?
    /// SCHED_FIFO priority for the GPIO thread (1..99); absent: normal scheduling.
    public var realtimePriority: Int32?

    public init(
        chip: String? = nil, satisfactionLED: String? = "GPIO23", accessibilityLED: String? = "GPIO24",
        buzzer: String? = nil, realtimePriority: Int32? = nil
    ) {
        self.chip = chip
        self.satisfactionLED = satisfactionLED
        self.accessibilityLED = accessibilityLED
        self.buzzer = buzzer
        self.realtimePriority = realtimePriority
    }

    enum CodingKeys: String, CodingKey { case chip, satisfactionLED, accessibilityLED, buzzer, realtimePriority }

    /// A key left out keeps its default (an `outputs` naming only the buzzer keeps both LEDs); an
    /// explicit `null` means no such line.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = OutputConfiguration()
        func line(_ key: CodingKeys, _ fallback: String?) throws -> String? {
            try container.contains(key) ? container.decodeIfPresent(String.self, forKey: key) : fallback
        }
        chip = try line(.chip, defaults.chip)
        satisfactionLED = try line(.satisfactionLED, defaults.satisfactionLED)
        accessibilityLED = try line(.accessibilityLED, defaults.accessibilityLED)
        buzzer = try line(.buzzer, defaults.buzzer)
        realtimePriority = try container.decodeIfPresent(Int32.self, forKey: .realtimePriority)
    }

    /// LEDs are written even when absent (`null`), so that reading the file back keeps them off.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(chip, forKey: .chip)
        try container.encode(satisfactionLED, forKey: .satisfactionLED)
        try container.encode(accessibilityLED, forKey: .accessibilityLED)
        try container.encodeIfPresent(buzzer, forKey: .buzzer)
        try container.encodeIfPresent(realtimePriority, forKey: .realtimePriority)
    }

    /// SCHED_FIFO priorities run from 1 to 99 on Linux (`sched_get_priority_min/max(SCHED_FIFO)`).
    public static let realtimePriorities: ClosedRange<Int32> = 1...99

    func validate() throws(ConfigurationError) {
        if let priority = realtimePriority, !Self.realtimePriorities.contains(priority) {
            throw .invalidValue(
                key: "outputs.realtimePriority", value: "\(priority)",
                reason: "expected 1 to 99 (SCHED_FIFO), or leave it out for normal scheduling")
        }
    }
}

/// The control socket's limits.
public struct ControlSettings: Sendable, Hashable, Codable {
    /// The longest a buttons test may last before presses count again by themselves.
    public var buttonsTestSeconds: Int = 300
    static let buttonsTestRange = 10...3600

    public init(buttonsTestSeconds: Int = 300) { self.buttonsTestSeconds = buttonsTestSeconds }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        buttonsTestSeconds = try container.decodeIfPresent(Int.self, forKey: .buttonsTestSeconds) ?? 300
    }
}

/// The store's budget. Presses the hub holds are deleted oldest first to stay within it; presses not
/// yet at the hub are never deleted: past the budget the store grows and the heartbeat says so.
/// At about 200 bytes a press, the default 500,000 presses is about 100 MB, years of a busy centre.
public struct StorageSettings: Sendable, Hashable, Codable {
    public var maximumPresses: Int = 500_000

    public init(maximumPresses: Int = 500_000) { self.maximumPresses = maximumPresses }

    /// A warning for the heartbeat when the backlog nears or passes the budget.
    public func warning(backlog: Int) -> String? {
        if backlog >= maximumPresses {
            return "store over budget: \(backlog) presses not yet at the hub, budget \(maximumPresses); none is deleted"
        }
        if backlog * 10 >= maximumPresses * 8 {
            return "backlog at \(backlog * 100 / maximumPresses)% of the storage budget (\(maximumPresses) presses)"
        }
        return nil
    }
}

public struct DebounceSettings: Sendable, Hashable, Codable {
    /// A level must hold this long to be believed.
    public var stableWindowMillis: Int = 20
    /// No counted press is shorter than this.
    public var minimumPressMillis: Int = 30
    /// Further presses on a panel within this interval are kept but flagged suppressed.
    public var responseIntervalMillis: Int = 5_000
    /// A button held longer than this is reported stuck and counts nothing until released.
    public var stuckAfterMillis: Int = 10_000
    /// Response intervals of single questions, overriding `responseIntervalMillis`.
    public var responseIntervalMillisByQuestion: [Question: Int] = [:]

    public init(
        stableWindowMillis: Int = 20, minimumPressMillis: Int = 30, responseIntervalMillis: Int = 5_000,
        stuckAfterMillis: Int = 10_000, responseIntervalMillisByQuestion: [Question: Int] = [:]
    ) {
        self.stableWindowMillis = stableWindowMillis
        self.minimumPressMillis = minimumPressMillis
        self.responseIntervalMillis = responseIntervalMillis
        self.stuckAfterMillis = stuckAfterMillis
        self.responseIntervalMillisByQuestion = responseIntervalMillisByQuestion
    }

    enum CodingKeys: String, CodingKey {
        case stableWindowMillis, minimumPressMillis, responseIntervalMillis, stuckAfterMillis
        case responseIntervalMillisByQuestion
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(stableWindowMillis, forKey: .stableWindowMillis)
        try container.encode(minimumPressMillis, forKey: .minimumPressMillis)
        try container.encode(responseIntervalMillis, forKey: .responseIntervalMillis)
        try container.encode(stuckAfterMillis, forKey: .stuckAfterMillis)
        try container.encode(
            Dictionary(uniqueKeysWithValues: responseIntervalMillisByQuestion.map { ($0.key.rawValue, $0.value) }),
            forKey: .responseIntervalMillisByQuestion)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = DebounceSettings()
        stableWindowMillis =
            try container.decodeIfPresent(Int.self, forKey: .stableWindowMillis) ?? defaults.stableWindowMillis
        minimumPressMillis =
            try container.decodeIfPresent(Int.self, forKey: .minimumPressMillis) ?? defaults.minimumPressMillis
        responseIntervalMillis =
            try container.decodeIfPresent(Int.self, forKey: .responseIntervalMillis) ?? defaults.responseIntervalMillis
        stuckAfterMillis =
            try container.decodeIfPresent(Int.self, forKey: .stuckAfterMillis) ?? defaults.stuckAfterMillis
        let byName =
            try container.decodeIfPresent([String: Int].self, forKey: .responseIntervalMillisByQuestion) ?? [:]
        for (name, millis) in byName {
            guard let question = Question(rawValue: name) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .responseIntervalMillisByQuestion, in: container,
                    debugDescription: ModelError.unknownQuestion(name).description)
            }
            responseIntervalMillisByQuestion[question] = millis
        }
    }

    func validate() throws(ConfigurationError) {
        func check(_ key: String, _ value: Int, _ range: ClosedRange<Int>) throws(ConfigurationError) {
            guard range.contains(value) else {
                throw .invalidValue(
                    key: "debounce.\(key)", value: "\(value)",
                    reason: "expected \(range.lowerBound) to \(range.upperBound)")
            }
        }
        try check("stableWindowMillis", stableWindowMillis, 1...1000)
        try check("minimumPressMillis", minimumPressMillis, 0...5000)
        try check("responseIntervalMillis", responseIntervalMillis, 0...600_000)
        try check("stuckAfterMillis", stuckAfterMillis, 1000...3_600_000)
        for (question, millis) in responseIntervalMillisByQuestion.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            try check("responseIntervalMillisByQuestion.\(question)", millis, 0...600_000)
        }
    }

    public var debouncerConfiguration: DebounceConfiguration {
        DebounceConfiguration(
            stableWindowNanos: Int64(stableWindowMillis) * 1_000_000,
            minimumPressNanos: Int64(minimumPressMillis) * 1_000_000,
            responseIntervalNanos: Int64(responseIntervalMillis) * 1_000_000,
            panelResponseIntervalNanos: Dictionary(
                uniqueKeysWithValues: responseIntervalMillisByQuestion.map { question, millis in
                    (Question.allCases.firstIndex(of: question)!, Int64(millis) * 1_000_000)
                }),
            stuckLimitNanos: Int64(stuckAfterMillis) * 1_000_000)
    }
}

public struct UploadSettings: Sendable, Hashable, Codable {
    /// Presses per request.
    public var batchSize: Int = 500
    /// First retry delay after a failed upload; doubles up to `maximumRetryMillis`, with jitter.
    public var initialRetryMillis: Int = 1000
    public var maximumRetryMillis: Int = 300_000
    /// How long one upload may take, connecting included, before it counts as failed.
    public var requestTimeoutMillis: Int = 30_000
    /// Seconds between heartbeats (health and a clock reading) to the hub.
    public var heartbeatSeconds: Int = 300

    public init(
        batchSize: Int = 500, initialRetryMillis: Int = 1000, maximumRetryMillis: Int = 300_000,
        requestTimeoutMillis: Int = 30_000, heartbeatSeconds: Int = 300
    ) {
        self.heartbeatSeconds = heartbeatSeconds
        self.batchSize = batchSize
        self.initialRetryMillis = initialRetryMillis
        self.maximumRetryMillis = maximumRetryMillis
        self.requestTimeoutMillis = requestTimeoutMillis
    }

    enum CodingKeys: String, CodingKey {
        case batchSize, initialRetryMillis, maximumRetryMillis, requestTimeoutMillis, heartbeatSeconds
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = UploadSettings()
        batchSize = try container.decodeIfPresent(Int.self, forKey: .batchSize) ?? defaults.batchSize
        initialRetryMillis =
            try container.decodeIfPresent(Int.self, forKey: .initialRetryMillis) ?? defaults.initialRetryMillis
        maximumRetryMillis =
            try container.decodeIfPresent(Int.self, forKey: .maximumRetryMillis) ?? defaults.maximumRetryMillis
        requestTimeoutMillis =
            try container.decodeIfPresent(Int.self, forKey: .requestTimeoutMillis) ?? defaults.requestTimeoutMillis
        heartbeatSeconds =
            try container.decodeIfPresent(Int.self, forKey: .heartbeatSeconds) ?? defaults.heartbeatSeconds
    }

    func validate() throws(ConfigurationError) {
        guard (1...IngestBatch.maximumPresses).contains(batchSize) else {
            throw .invalidValue(
                key: "upload.batchSize", value: "\(batchSize)", reason: "expected 1 to \(IngestBatch.maximumPresses)")
        }
        guard initialRetryMillis >= 10, maximumRetryMillis >= initialRetryMillis else {
            throw .invalidValue(
                key: "upload.initialRetryMillis", value: "\(initialRetryMillis)",
                reason: "expected at least 10 and no more than upload.maximumRetryMillis")
        }
        guard (5...86_400).contains(heartbeatSeconds) else {
            throw .invalidValue(
                key: "upload.heartbeatSeconds", value: "\(heartbeatSeconds)", reason: "expected 5 to 86400")
        }
        guard (100...600_000).contains(requestTimeoutMillis) else {
            throw .invalidValue(
                key: "upload.requestTimeoutMillis", value: "\(requestTimeoutMillis)", reason: "expected 100 to 600000")
        }
    }
}

public enum ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case invalid(path: String, reason: String)
    case invalidValue(key: String, value: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "cannot read configuration \(path): \(reason)"
        case .invalid(let path, let reason): "invalid configuration \(path): \(reason)"
        case .invalidValue(let key, let value, let reason): "invalid configuration: \(key) = \(value): \(reason)"
        }
    }
}
